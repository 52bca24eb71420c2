import { createHash } from 'node:crypto';

/**
 * Keys fall into {@link KEY_SHARDS} shards by a hash of the key. The distributed reconcile counts
 * live items per shard twice — those an object matched (inventory pass) and all of them (export
 * pass) — and asks S3 about items only in the shards whose counts differ: finding k orphans among
 * a billion items then costs about k × 250,000 HeadObject calls instead of a billion.
 */
export const KEY_SHARDS = 4096;

export const shardOf = (key: string): number => createHash('md5').update(key).digest().readUInt16BE(0) % KEY_SHARDS;

/** Per-shard counts, sparse: `{ "17": 3 }`. */
export type ShardCounts = Record<string, number>;

export function addShard(counts: ShardCounts, key: string, n = 1): void {
  const s = String(shardOf(key));
  counts[s] = (counts[s] ?? 0) + n;
}

export function addShardCounts(into: ShardCounts, from: ShardCounts): void {
  for (const [s, n] of Object.entries(from)) into[s] = (into[s] ?? 0) + n;
}

/** A set of shards as a base64 bitmap (684 characters for all 4096): small enough for every batch's input. */
export function encodeShards(shards: Iterable<number>): string {
  const bits = Buffer.alloc(KEY_SHARDS / 8);
  for (const s of shards) {
    if (!Number.isInteger(s) || s < 0 || s >= KEY_SHARDS) throw new RangeError(`not a shard: ${s}`);
    bits[s >> 3]! |= 1 << (s & 7);
  }
  return bits.toString('base64');
}

export function decodeShards(encoded: string): (shard: number) => boolean {
  const bits = Buffer.from(encoded, 'base64');
  if (bits.length !== KEY_SHARDS / 8 || bits.toString('base64') !== encoded) throw new RangeError('not a shard bitmap');
  return (s) => ((bits[s >> 3] ?? 0) & (1 << (s & 7))) !== 0;
}

/** Shards where more items are live than objects matched: the only ones that can hold orphans. */
export function shardsWithOrphans(live: ShardCounts, matched: ShardCounts): number[] {
  return Object.entries(live)
    .filter(([s, n]) => n > (matched[s] ?? 0))
    .map(([s]) => Number(s))
    .sort((a, b) => a - b);
}
