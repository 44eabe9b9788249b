/**
 * Just enough of the protobuf wire format to read an OTLP ExportTraceServiceRequest
 * (opentelemetry/proto/collector/trace/v1): resource, spans, their attributes, events and links.
 */
export type AttributeValue = string | number | boolean | AttributeValue[] | undefined;

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  links: { traceId: string; spanId: string }[];
}

type Field = { number: number; wire: number; value: bigint | Buffer };

function* fields(buffer: Buffer): Generator<Field> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[offset++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < buffer.length) {
    const key = Number(varint());
    const wire = key & 7;
    const number = key >>> 3;
    if (wire === 0) yield { number, wire, value: varint() };
    else if (wire === 1) {
      yield { number, wire, value: buffer.readBigUInt64LE(offset) };
      offset += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      yield { number, wire, value: buffer.subarray(offset, offset + length) };
      offset += length;
    } else if (wire === 5) {
      yield { number, wire, value: BigInt(buffer.readUInt32LE(offset)) };
      offset += 4;
    } else throw new Error(`unsupported wire type ${String(wire)}`);
  }
}

const bytes = (field: Field) => field.value as Buffer;
const text = (field: Field) => bytes(field).toString('utf8');
const hex = (field: Field) => bytes(field).toString('hex');

function anyValue(buffer: Buffer): AttributeValue {
  for (const field of fields(buffer)) {
    switch (field.number) {
      case 1:
        return text(field);
      case 2:
        return field.value === 1n;
      case 3:
        return Number(BigInt.asIntN(64, field.value as bigint));
      case 4:
        return (field.value as bigint) === 0n ? 0 : bytes8ToDouble(field.value as bigint);
      case 5:
        return [...fields(bytes(field))].map((item) => anyValue(bytes(item)));
      default:
        return undefined;
    }
  }
  return undefined;
}

function bytes8ToDouble(bits: bigint): number {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(bits);
  return buffer.readDoubleLE();
}

function keyValues(list: Buffer[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list) {
    let key = '';
    let value: AttributeValue;
    for (const field of fields(kv)) {
      if (field.number === 1) key = text(field);
      if (field.number === 2) value = anyValue(bytes(field));
    }
    Object.defineProperty(out, key, { value, enumerable: true });
  }
  return out;
}

function decodeSpan(buffer: Buffer, service: string): ReceivedSpan {
  const span: ReceivedSpan = {
    service,
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    events: [],
    links: [],
  };
  const attributes: Buffer[] = [];
  for (const field of fields(buffer)) {
    if (field.number === 1) span.traceId = hex(field);
    else if (field.number === 2) span.spanId = hex(field);
    else if (field.number === 4) span.parentSpanId = hex(field);
    else if (field.number === 5) span.name = text(field);
    else if (field.number === 6) span.kind = Number(field.value);
    else if (field.number === 9) attributes.push(bytes(field));
    else if (field.number === 11) {
      const event = { name: '', attributes: [] as Buffer[] };
      for (const f of fields(bytes(field))) {
        if (f.number === 2) event.name = text(f);
        if (f.number === 3) event.attributes.push(bytes(f));
      }
      span.events.push({ name: event.name, attributes: keyValues(event.attributes) });
    } else if (field.number === 13) {
      const link = { traceId: '', spanId: '' };
      for (const f of fields(bytes(field))) {
        if (f.number === 1) link.traceId = hex(f);
        if (f.number === 2) link.spanId = hex(f);
      }
      span.links.push(link);
    }
  }
  span.attributes = keyValues(attributes);
  return span;
}

/** ExportTraceServiceRequest → ResourceSpans → (Resource, ScopeSpans → Span). */
export function decodeExportRequest(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of fields(body)) {
    if (resourceSpans.number !== 1) continue;
    let service = '';
    const scopes: Buffer[] = [];
    for (const field of fields(bytes(resourceSpans))) {
      if (field.number === 1) {
        const resourceAttributes = [...fields(bytes(field))]
          .filter((f) => f.number === 1)
          .map(bytes);
        service = String(keyValues(resourceAttributes)['service.name'] ?? '');
      } else if (field.number === 2) scopes.push(bytes(field));
    }
    for (const scope of scopes) {
      for (const field of fields(scope)) {
        if (field.number === 2) out.push(decodeSpan(bytes(field), service));
      }
    }
  }
  return out;
}
