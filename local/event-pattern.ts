import { isObject, type JsonObject } from '../src/core/json';

/** A wildcard pattern as a regular expression: `*` matches any run of characters, `\*` and `\\` are literal. */
function wildcardRegExp(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i]!;
    if (c === '\\' && i + 1 < wildcard.length) source += wildcard[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') source += '.*';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function numericMatches(range: unknown[], n: number): boolean {
  for (let i = 0; i < range.length; i += 2) {
    const [op, bound] = [range[i], range[i + 1] as number];
    const ok =
      op === '>'
        ? n > bound
        : op === '>='
          ? n >= bound
          : op === '<'
            ? n < bound
            : op === '<='
              ? n <= bound
              : op === '='
                ? n === bound
                : undefined;
    if (ok === undefined) throw new Error(`unsupported numeric operator ${JSON.stringify(op)} in event pattern`);
    if (!ok) return false;
  }
  return true;
}

/** One element of a pattern array against a field's value (an array value matches if any element does). */
function matchesOne(rule: unknown, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (!isObject(rule)) return value !== undefined && values.some((v) => v === rule);
  if ('exists' in rule) return rule.exists === (value !== undefined);
  if (value === undefined) return false;
  if ('prefix' in rule) return values.some((v) => typeof v === 'string' && v.startsWith(String(rule.prefix)));
  if ('suffix' in rule) return values.some((v) => typeof v === 'string' && v.endsWith(String(rule.suffix)));
  if ('wildcard' in rule) return values.some((v) => typeof v === 'string' && wildcardRegExp(String(rule.wildcard)).test(v));
  if ('numeric' in rule) return values.some((v) => typeof v === 'number' && numericMatches(rule.numeric as unknown[], v));
  throw new Error(
    `unsupported event pattern operator ${JSON.stringify(rule)}: the local matcher knows exact values, prefix, suffix, wildcard, numeric and exists`,
  );
}

/**
 * EventBridge's event pattern matching, for the operators this project's rules use: every field
 * of the pattern must match (objects nest), an array lists alternatives. An operator it does not
 * know is an error, never a silent mismatch. The local pipeline runs the stack's own pattern
 * (`eventPattern` in `config/derive.ts`) through it.
 */
export function matchesEventPattern(pattern: JsonObject, event: JsonObject): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const value = event[field];
    if (Array.isArray(rule)) return rule.some((r) => matchesOne(r, value));
    if (isObject(rule)) return isObject(value) && matchesEventPattern(rule, value);
    throw new Error(`event pattern field ${field} must be an array or an object`);
  });
}
