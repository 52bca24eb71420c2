/**
 * Keeps only the project's own code in a source map. Stack traces then point at our
 * TypeScript; frames inside dependencies point at the bundle. The map shrinks from ~1.1 MB to
 * a few KB, which matters twice: Node parses the whole map at cold start under
 * `--enable-source-maps`, and every synth zips it. The VLQ codec is `@jridgewell/sourcemap-codec`
 * (the one esbuild's and Babel's tooling use).
 */
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';

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
  const nameIndex = new Map<number, number>();
  const names: string[] = [];
  const renameName = (old: number): number => {
    let name = nameIndex.get(old);
    if (name === undefined) {
      name = names.push(map.names[old]!) - 1;
      nameIndex.set(old, name);
    }
    return name;
  };
  const lines = decode(map.mappings).map((line) =>
    line.flatMap((seg): SourceMapSegment[] => {
      // A one-field segment maps to nothing; it only matters inside a kept source's range, so it goes too.
      const source = seg.length === 1 ? undefined : sourceIndex.get(seg[1]);
      if (source === undefined || seg.length === 1) return [];
      return seg.length === 5 ? [[seg[0], source, seg[2], seg[3], renameName(seg[4])]] : [[seg[0], source, seg[2], seg[3]]];
    }),
  );
  return { ...map, sources: keptSources.map(({ s }) => s), names, mappings: encode(lines) };
}

/** Decodes a map into `[generatedLine, generatedColumn, source, line, column]` tuples (tests). */
export function decodeMappings(map: SourceMap): Array<[number, number, string, number, number]> {
  return decode(map.mappings).flatMap((line, genLine) =>
    line.flatMap((seg) =>
      seg.length === 1 ? [] : [[genLine, seg[0], map.sources[seg[1]]!, seg[2], seg[3]] as [number, number, string, number, number]],
    ),
  );
}
