import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd00::/8`, or one address (a /32 or /128); undefined when it is none of these. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined || rest.length > 0) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

/** The eight groups of an IPv6 address, four hex digits each; an embedded IPv4 tail becomes two. */
function ipv6Groups(address: string): string[] {
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  const text = isIPv4(tail)
    ? `${address.slice(0, lastColon + 1)}${Buffer.from(tail.split('.').map(Number))
        .toString('hex')
        .replace(/^(.{4})/, '$1:')}`
    : address;
  const [head = '', rest] = text.toLowerCase().split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const [first, last] = [groupsOf(head), groupsOf(rest ?? '')];
  const zeros = rest === undefined ? [] : Array<string>(8 - first.length - last.length).fill('0');
  return [...first, ...zeros, ...last].map((group) => group.padStart(4, '0'));
}

/**
 * One spelling per address: IPv4 as is, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as the IPv4 address,
 * other IPv6 in RFC 5952 form without a zone. Undefined when the text is not an IP address.
 */
export function normaliseIp(text: string): string | undefined {
  if (isIPv4(text)) return text;
  const address = text.split('%')[0] ?? '';
  if (!isIPv6(address)) return undefined;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === '0000') && groups.at(5) === 'ffff') {
    return [...Buffer.from(groups.slice(6).join(''), 'hex')].join('.');
  }
  return new URL(`http://[${address}]`).hostname.slice(1, -1);
}

/**
 * The rate-limit bucket of a client: its IPv4 address, or its IPv6 /64 — one end site gets a whole
 * /64, so per-address buckets would let a single host rotate through 2^64 of them.
 */
export function rateLimitKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip)
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

const PORT = /^\d{1,5}$/;

/** One hop of `X-Forwarded-For` or a `for=` of `Forwarded`: quotes, brackets and port removed. */
function hopAddress(hop: string): string | undefined {
  const text = hop.trim().replace(/^"(.*)"$/, '$1');
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const after = text.slice(end + 1);
    if (end < 0 || (after !== '' && !(after.startsWith(':') && PORT.test(after.slice(1))))) {
      return undefined;
    }
    return normaliseIp(text.slice(1, end));
  }
  // One colon: an IPv4 address with a port (an IPv6 address has at least two).
  const parts = text.split(':');
  if (parts.length === 2) {
    const [host = '', port = ''] = parts;
    return isIPv4(host) && PORT.test(port) ? host : undefined;
  }
  return normaliseIp(text);
}

/** The `for=` of each element of an RFC 7239 `Forwarded` header, '' where an element has none. */
function forwardedFor(header: string): string[] {
  return header.split(',').map((element) => {
    const pair = element
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.toLowerCase().startsWith('for='));
    return pair ? pair.slice('for='.length) : '';
  });
}

export interface ForwardingHeaders {
  xForwardedFor?: string;
  forwarded?: string;
}

const KNOWN_ADDRESSES = 1024;

/** The configured proxies whose forwarding headers are believed (TRUSTED_PROXIES). */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly empty: boolean;
  // BlockList.check builds a SocketAddress per call; the addresses asked about are mostly the
  // same few peers (the gateway, the TLS terminator), so answers are kept, in bounded number.
  private readonly known = new Map<string, boolean>();

  constructor(cidrs: readonly Cidr[]) {
    for (const { address, prefix, family } of cidrs) this.list.addSubnet(address, prefix, family);
    this.empty = cidrs.length === 0;
  }

  has(ip: string): boolean {
    if (this.empty) return false;
    const known = this.known.get(ip);
    if (known !== undefined) return known;
    const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
    const trusted = family !== undefined && this.list.check(ip, family);
    if (this.known.size >= KNOWN_ADDRESSES) this.known.clear();
    this.known.set(ip, trusted);
    return trusted;
  }

  /**
   * The socket peer, unless it is a trusted proxy: then the right-most address of the forwarding
   * chain that is not itself a trusted proxy. Everything left of that was written by the client and
   * is ignored. A hop that is not an address (`unknown`, an obfuscated id, garbage) ends the walk
   * at the last trusted hop. `X-Forwarded-For` is preferred; `Forwarded` is read when it is absent.
   */
  clientIp(peer: string, headers: ForwardingHeaders): string {
    const socketIp = normaliseIp(peer) ?? peer;
    if (!this.has(socketIp)) return socketIp;
    const chain =
      headers.xForwardedFor !== undefined
        ? headers.xForwardedFor.split(',')
        : headers.forwarded !== undefined
          ? forwardedFor(headers.forwarded)
          : [];
    let client = socketIp;
    for (const hop of chain.reverse()) {
      const ip = hopAddress(hop);
      if (ip === undefined) break;
      client = ip;
      if (!this.has(ip)) break;
    }
    return client;
  }
}
