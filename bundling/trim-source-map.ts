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

/** Drops every mapping into a source for which `keep` is false, and those sources and unused names. */
export function trimSourceMap(map: SourceMap, keep: (source: string) => boolean): SourceMap {
  const keptSources = map.sources.map((s, i) => ({ s, i })).filter(({ s }) => keep(s));
  const sourceIndex = new Map(keptSources.map(({ i }, j) => [i, j]));
  const usedNames = new Map<number, number>();
  const names: string[] = [];
  // Absolute state while decoding, and the previous emitted values while encoding (VLQ is relative).
  let src = 0;
  let line = 0;
  let col = 0;
  let name = 0;
  let outSrc = 0;
  let outLine = 0;
  let outCol = 0;
  let outName = 0;
  const lines = map.mappings.split(';').map((groupText) => {
    let genCol = 0;
    let outGenCol = 0;
    const kept: string[] = [];
    for (const segText of groupText ? groupText.split(',') : []) {
      const seg = decodeSegment(segText);
      genCol += seg[0]!;
      if (seg.length < 4) continue;
      src += seg[1]!;
      line += seg[2]!;
      col += seg[3]!;
      if (seg.length >= 5) name += seg[4]!;
      const newSrc = sourceIndex.get(src);
      if (newSrc === undefined) continue;
      let text = encodeValue(genCol - outGenCol) + encodeValue(newSrc - outSrc) + encodeValue(line - outLine) + encodeValue(col - outCol);
      outGenCol = genCol;
      outSrc = newSrc;
      outLine = line;
      outCol = col;
      if (seg.length >= 5) {
        let newName = usedNames.get(name);
        if (newName === undefined) {
          newName = names.push(map.names[name]!) - 1;
          usedNames.set(name, newName);
        }
        text += encodeValue(newName - outName);
        outName = newName;
      }
      kept.push(text);
    }
    return kept.join(',');
  });
  return { ...map, sources: keptSources.map(({ s }) => s), names, mappings: lines.join(';') };
}

/** Decodes a map into `[generatedLine, generatedColumn, source, line, column]` tuples (tests). */
export function decodeMappings(map: SourceMap): Array<[number, number, string, number, number]> {
  const out: Array<[number, number, string, number, number]> = [];
  let src = 0;
  let line = 0;
  let col = 0;
  map.mappings.split(';').forEach((groupText, genLine) => {
    let genCol = 0;
    for (const segText of groupText ? groupText.split(',') : []) {
      const seg = decodeSegment(segText);
      genCol += seg[0]!;
      if (seg.length < 4) continue;
      src += seg[1]!;
      line += seg[2]!;
      col += seg[3]!;
      out.push([genLine, genCol, map.sources[src]!, line, col]);
    }
  });
  return out;
}
