import { addShardCounts, decodeShards, encodeShards, KEY_SHARDS, shardOf, shardsWithOrphans } from '../../../src/core/key-shards';
import { propertyRuns } from '../../helpers/property-runs';

describe('key shards', () => {
  it('spreads keys evenly enough that one orphan costs a few hundred-thousandths of the table', () => {
    const counts = new Array<number>(KEY_SHARDS).fill(0);
    for (let i = 0; i < 409_600; i++) counts[shardOf(`uploads/2026/12/${i}.csv`)]!++;
    // 100 a shard on average: every shard within a factor of two of it (a Poisson tail of 5 σ).
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(200);
  });

  it('round-trips any set of shards through the bitmap', () => {
    const runs = propertyRuns(200);
    for (let run = 0; run < runs; run++) {
      const set = new Set(Array.from({ length: run % 50 }, () => Math.floor(Math.random() * KEY_SHARDS)));
      const has = decodeShards(encodeShards(set));
      const all = Array.from({ length: KEY_SHARDS }, (_, s) => s);
      expect(all.filter(has)).toEqual([...set].sort((a, b) => a - b));
    }
    expect(encodeShards(Array.from({ length: KEY_SHARDS }, (_, i) => i))).toHaveLength(684);
  });

  it('refuses what is not a shard or a bitmap', () => {
    expect(() => encodeShards([KEY_SHARDS])).toThrow('not a shard');
    expect(() => encodeShards([-1])).toThrow('not a shard');
    expect(() => decodeShards('AAAA')).toThrow('not a shard bitmap');
  });

  it('names the shards with more live items than objects matched, and only those', () => {
    const live = {};
    addShardCounts(live, { '1': 5, '2': 3, '9': 1 });
    addShardCounts(live, { '2': 1 });
    expect(shardsWithOrphans(live, { '1': 5, '2': 3 })).toEqual([2, 9]);
    expect(shardsWithOrphans({ '4': 2 }, { '4': 2, '5': 1 })).toEqual([]);
  });
});
