import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Plain = string | number | boolean | undefined | Record<string, string>;

/**
 * Marshals this project's flat items (strings, numbers, booleans, string maps) into
 * DynamoDB attribute values, dropping undefined fields. A few lines instead of
 * `@aws-sdk/util-dynamodb`'s general walker, which the hot path does not need.
 */
export function toAttributeValues(item: Record<string, Plain>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) {
    const av = toAttributeValue(value);
    if (av) out[name] = av;
  }
  return out;
}

function toAttributeValue(value: Plain): AttributeValue | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return { S: value };
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot store non-finite number ${value}`);
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    default:
      return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, { S: v }])) };
  }
}

/** The reverse, for reading items back (reports, tests): S, N, BOOL, NULL, M and L. */
export function fromAttributeValues(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, fromAttributeValue(v)]));
}

function fromAttributeValue(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.M !== undefined) return fromAttributeValues(v.M);
  if (v.L !== undefined) return v.L.map(fromAttributeValue);
  return undefined;
}
