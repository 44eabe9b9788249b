import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-node';

type ExportDone = Parameters<SpanExporter['export']>[1];

const REDACTED = '[REDACTED]';

// Attributes that are credentials whatever their value: captured headers, if a setting ever adds
// them (`http.request.header.cookie`, …).
const SECRET_KEY =
  /(^|\.)(authorization|proxy-authorization|cookie|set-cookie|x-api-key|password|token|secret)(\.|$)/i;
// Attributes holding a URL or a request target: the query string goes (reset and verification
// links carry their token there), and so does any user:password.
const URL_KEYS = new Set(['url.full', 'http.url', 'http.target', 'url.original', 'messaging.url']);
const QUERY_KEYS = new Set(['url.query']);
// SQL text: Sequelize inlines the values of its selects, so literals (emails, token hashes) go.
const SQL_KEYS = new Set(['db.statement', 'db.query.text']);

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;
const JWT = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;
const EMAIL = /[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+\.[a-z]{2,}/gi;
const SQL_STRING = /(\bE)?'(?:[^']|'')*'/g;

/** Whatever text an attribute, event or span name holds: no credential pattern survives. */
export function scrubText(text: string): string {
  // Most values (methods, routes, ports, statements) hold none of the markers: no regex runs.
  let clean = text;
  if (clean.includes('@')) clean = clean.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  if (clean.includes('eyJ')) clean = clean.replace(JWT, REDACTED);
  if (/bearer|basic/i.test(clean)) clean = clean.replace(BEARER, `$1 ${REDACTED}`);
  if (clean.includes('@')) clean = clean.replace(EMAIL, REDACTED);
  return clean;
}

function scrubValue(key: string, value: AttributeValue): AttributeValue {
  if (Array.isArray(value)) {
    return value.map((item: unknown) =>
      typeof item === 'string' ? scrubText(item) : item,
    ) as AttributeValue;
  }
  if (typeof value !== 'string') return value;
  if (QUERY_KEYS.has(key)) return REDACTED;
  if (URL_KEYS.has(key)) return scrubText(value.replace(/\?.*$/s, ''));
  if (SQL_KEYS.has(key)) return scrubText(value.replace(SQL_STRING, "'?'"));
  return scrubText(value);
}

export function scrubAttributes(attributes: Attributes): Attributes {
  const clean: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || SECRET_KEY.test(key)) continue;
    Object.defineProperty(clean, key, {
      value: scrubValue(key, value),
      enumerable: true,
      writable: true,
    });
  }
  return clean;
}

function scrubEvent(event: TimedEvent): TimedEvent {
  return {
    ...event,
    name: scrubText(event.name),
    ...(event.attributes && { attributes: scrubAttributes(event.attributes) }),
  };
}

/**
 * The span as exported: the same span seen through a copy whose name, attributes, events and
 * links are scrubbed. Everything else (ids, times, status) reads through to the original.
 */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  return Object.create(span, {
    name: { value: scrubText(span.name) },
    attributes: { value: scrubAttributes(span.attributes) },
    events: { value: span.events.map(scrubEvent) },
    links: {
      value: span.links.map((link) => ({
        ...link,
        ...(link.attributes && { attributes: scrubAttributes(link.attributes) }),
      })),
    },
  }) as ReadableSpan;
}

/**
 * The last stop before spans leave the process: whatever an instrumentation recorded (a URL with a
 * reset token, a select with an email inlined, an error quoting a header), the exporter only ever
 * sees the scrubbed copy.
 */
export class ScrubbingSpanExporter implements SpanExporter {
  constructor(private readonly next: SpanExporter) {}

  export(spans: ReadableSpan[], done: ExportDone): void {
    this.next.export(spans.map(scrubSpan), done);
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }
}
