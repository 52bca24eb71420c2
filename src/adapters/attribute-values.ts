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
