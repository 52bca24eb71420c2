import type { RunReport } from './run-report';

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The human summary `npm start` prints. */
export function renderReport(r: RunReport): string {
  const out: string[] = [];
  out.push(`Local pipeline: environment "${r.environment}", ${r.mode} mode\n`);
  if (r.objects.length > 0) {
    out.push('Objects');
    out.push(
      table(
        ['outcome', 'key', 'bytes', 'latency', 'note'],
        r.objects.map((o) => [
          o.outcome,
          JSON.stringify(o.key),
          String(o.size),
          ms(o.latencyMs),
          [o.reason, o.duplicatesAbsorbed ? `${o.duplicatesAbsorbed} duplicate(s) absorbed` : ''].filter(Boolean).join('; '),
        ]),
      ),
    );
  }
  if (r.injected.length > 0) {
    out.push('\nMessages sent straight to the queue');
    out.push(table(['outcome', 'file', 'message id', 'reason'], r.injected.map((i) => [i.outcome, i.name, i.messageId, i.reason ?? ''])));
  }
  out.push(`\nTable items (${r.items.length})`);
  out.push(
    table(
      ['s3_key', 'content_type', 'file_size', 'event_time', 'processed_at', 'sequencer'],
      r.items.map((i) => [JSON.stringify(i.s3_key), String(i.content_type ?? (i.deleted ? '(deleted)' : '')), String(i.file_size ?? ''), String(i.event_time), String(i.processed_at), String(i.sequencer)]),
    ),
  );
  out.push(`\nDead-letter queue (${r.dlq.length})`);
  if (r.dlq.length > 0) {
    out.push(table(['reason', 'objects', 'detail'], r.dlq.map((d) => [d.reason, d.keys.map((k) => JSON.stringify(k)).join(', ') || '–', (d.detail ?? '').slice(0, 100)])));
  }
  if (r.problems.length > 0) {
    out.push('\nInput not ingested');
    out.push(table(['path', 'problem'], r.problems.map((p) => [p.path, p.problem])));
  }
  if (r.errors.length > 0) out.push(`\nRuntime errors\n${r.errors.map((e) => `  ${e}`).join('\n')}`);
  const c = r.counts;
  out.push(
    `\nTotals: ${c.uploaded} uploaded · ${c.stored} stored · ${c.duplicate} duplicate · ${c.skipped} skipped · ${c.rejected} rejected · ` +
      `${c.filtered} filtered · ${c['dead-lettered']} dead-lettered · ${c.pending} pending`,
  );
  out.push(`Latency upload → item: p50 ${ms(r.latencyMs.p50)} · p95 ${ms(r.latencyMs.p95)} (${r.latencyMs.count} objects)`);
  return out.join('\n');
}
