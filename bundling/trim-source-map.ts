/**
 * Keeps only the project's own code in a source map. Stack traces then point at our
 * TypeScript; frames inside dependencies point at the bundle. The map shrinks from ~1.1 MB to
 * a few KB, which matters twice: Node parses the whole map at cold start under
 * `--enable-source-maps`, and every synth zips it.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

function decodeSegment(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = B64_INDEX.get(char);
    if (digit === undefined) throw new Error(`Invalid base64 VLQ character "${char}"`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeValue(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}

interface SourceMap {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  [key: string]: unknown;
}

interface Segment {
  genLine: number;
  genCol: number;
  /** Absolute values, or undefined for a segment that maps to nothing. */
  source?: number;
  line?: number;
  col?: number;
  name?: number;
}

/** Every segment of `mappings`, with the relative VLQ values made absolute. */
function* segments(mappings: string): Generator<Segment> {
  let source = 0;
  let line = 0;
  let col = 0;
  let name = 0;
  const groups = mappings.split(';');
  for (let genLine = 0; genLine < groups.length; genLine++) {
    let genCol = 0;
    const group = groups[genLine]!;
    for (const text of group ? group.split(',') : []) {
      const v = decodeSegment(text);
      genCol += v[0]!;
      if (v.length < 4) {
        yield { genLine, genCol };
        continue;
      }
      source += v[1]!;
      line += v[2]!;
      col += v[3]!;
      if (v.length >= 5) name += v[4]!;
      yield { genLine, genCol, source, line, col, name: v.length >= 5 ? name : undefined };
    }
  }
}

/** Drops every mapping into a source for which `keep` is false, and those sources and unused names. */
export function trimSourceMap(map: SourceMap, keep: (source: string) => boolean): SourceMap {
  const keptSources = map.sources.map((s, i) => ({ s, i })).filter(({ s }) => keep(s));
  const sourceIndex = new Map(keptSources.map(({ i }, j) => [i, j]));
  const nameIndex = new Map<number, number>();
  const names: string[] = [];
  const lines: string[][] = map.mappings.split(';').map(() => []);
  // VLQ values are relative to the previous emitted segment (the column, to the previous one on its line).
  const prev = { source: 0, line: 0, col: 0, name: 0 };
  const prevGenCol = new Map<number, number>();
  for (const seg of segments(map.mappings)) {
    const source = seg.source === undefined ? undefined : sourceIndex.get(seg.source);
    if (source === undefined) continue;
    let text = encodeValue(seg.genCol - (prevGenCol.get(seg.genLine) ?? 0));
    text += encodeValue(source - prev.source) + encodeValue(seg.line! - prev.line) + encodeValue(seg.col! - prev.col);
    prevGenCol.set(seg.genLine, seg.genCol);
    Object.assign(prev, { source, line: seg.line, col: seg.col });
    if (seg.name !== undefined) {
      let name = nameIndex.get(seg.name);
      if (name === undefined) {
        name = names.push(map.names[seg.name]!) - 1;
        nameIndex.set(seg.name, name);
      }
      text += encodeValue(name - prev.name);
      prev.name = name;
    }
    lines[seg.genLine]!.push(text);
  }
  return { ...map, sources: keptSources.map(({ s }) => s), names, mappings: lines.map((l) => l.join(',')).join(';') };
}

/** Decodes a map into `[generatedLine, generatedColumn, source, line, column]` tuples (tests). */
export function decodeMappings(map: SourceMap): Array<[number, number, string, number, number]> {
  return [...segments(map.mappings)].flatMap((s) => (s.source === undefined ? [] : [[s.genLine, s.genCol, map.sources[s.source]!, s.line!, s.col!] as [number, number, string, number, number]]));
}
