import { limitConcurrency } from '../../src/core/limit';
import type { Difference } from '../../src/core/reconcile-verdict';
import { searchOrphans } from './orphans';
import { compareBucketWithTable, orphanSearch, type WalkTarget } from './table-walk';

export interface ReconcileCounts {
  /** In-scope objects in the bucket. */
  objects: number;
  /** Live items (not marked deleted) of the bucket under the prefix. */
  items: number;
  missing: number;
  stale: number;
  orphaned: number;
}

export interface ReconcileReport {
  counts: ReconcileCounts;
  missing: string[];
  stale: Array<{ key: string; differs: Difference[] }>;
  orphaned: string[];
  /** True when a list above stops at the key limit (the counts are always complete). */
  truncated: boolean;
}

export interface ReconcileOptions extends WalkTarget {
  /** At most this many keys per list in the report: memory stays bounded whatever the differences. */
  keyLimit: number;
  onProgress?: (counts: Record<string, number>) => void;
}

/**
 * Compares the bucket's in-scope objects with the table: missing and stale from the listing
 * (a page at a time, items by BatchGetItem), then orphaned items. The orphan search is skipped when
 * the table's live items under the prefix (a COUNT Scan) are exactly those the listing matched.
 */
export async function reconcile(o: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    counts: { objects: 0, items: 0, missing: 0, stale: 0, orphaned: 0 },
    missing: [],
    stale: [],
    orphaned: [],
    truncated: false,
  };
  const keep = <T>(list: T[], value: T) => (list.length < o.keyLimit ? list.push(value) : (report.truncated = true));
  // Content-type filters (pusher mode) need HeadObject: asked only of objects that differ.
  const inScopeByHead = limitConcurrency(o.headConcurrency, async (key: string) => {
    const head = await o.objects.head(o.bucket, key);
    return head !== null && o.scope.byHead(head);
  });
  let listed = 0;
  let liveMatched = 0;
  for await (const page of compareBucketWithTable(o)) {
    listed += page.listed;
    const differing = page.compared.filter((c) => c.verdict.kind !== 'match');
    const kept = o.scope.needsHead ? await Promise.all(differing.map((c) => inScopeByHead(c.entry.key))) : differing.map(() => true);
    report.counts.objects += page.compared.length - kept.filter((k) => !k).length;
    liveMatched += page.compared.filter((c) => c.item && !c.item.deleted).length;
    differing.forEach(({ entry, verdict }, i) => {
      if (!kept[i]) return;
      if (verdict.kind === 'missing') {
        report.counts.missing++;
        keep(report.missing, entry.key);
      } else if (verdict.kind === 'stale') {
        report.counts.stale++;
        keep(report.stale, { key: entry.key, differs: verdict.differs });
      }
    });
    o.onProgress?.({ listed, compared: report.counts.objects, missing: report.counts.missing, stale: report.counts.stale });
  }
  let checked = 0;
  report.counts.items = await searchOrphans(
    orphanSearch(o),
    liveMatched,
    ({ key }) => {
      report.counts.orphaned++;
      keep(report.orphaned, key);
    },
    (n) => o.onProgress?.({ listed, 'items checked': (checked += n), orphaned: report.counts.orphaned }),
  );
  return report;
}

/** Nothing missing, stale or orphaned. */
export const isClean = (r: ReconcileReport): boolean => r.counts.missing + r.counts.stale + r.counts.orphaned === 0;
