import type { LocalPermissions } from './local-pipeline';
import type { RunReport } from './run-report';

const ms = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The human summary `npm start` prints. */
/** The Permissions section: calls allowed per function and action, each denial and what decided it, the edges. */
function renderPermissions(p: LocalPermissions): string[] {
  if (!p.enforced) return ['\nPermissions: not enforced (--no-iam): calls were not checked against the stack’s IAM and resource policies'];
  const out = [
    `\nPermissions (the synthesized stack’s IAM and resource policies, evaluated as AWS does): ${p.denied.length === 0 ? 'no denials' : `${p.denied.reduce((n, d) => n + d.count, 0)} denied call(s)`}`,
  ];
  out.push(
    table(
      ['caller', 'action', 'allowed'],
      p.allowed.map((a) => [a.caller, a.action, String(a.count)]),
    ),
  );
  if (p.denied.length > 0) {
    out.push('\nDenied');
    out.push(
      table(
        ['caller', 'action', 'resource', 'calls', 'decided by'],
        p.denied.map((d) => [d.caller, d.action, d.resource, String(d.count), d.decidedBy.join('; ') || d.result]),
      ),
    );
  }
  out.push('\nService edges');
  out.push(
    table(
      ['edge', 'allowed', 'detail'],
      p.edges.map((e) => [e.edge, e.allowed ? 'yes' : 'NO', e.allowed ? '' : e.detail]),
    ),
  );
  for (const m of p.unresolvedManagedPolicies)
    out.push(`  ${m.caller}: AWS managed policy ${m.policyArn} cannot be read offline; its grants are assumed as documented`);
  for (const u of p.unchecked) out.push(`  not checked (no mapping for this request): ${u}`);
  return out;
}

export function renderReport(r: RunReport): string {
  const out: string[] = [];
  out.push(
    `Local pipeline: environment "${r.environment}", ${r.mode} mode, functions on Node ${r.runtime.node} here (${r.runtime.lambda} on Lambda)\n`,
  );
  if (!r.runtime.matches) {
    const major = r.runtime.lambda.replace(/^nodejs(\d+).*$/, '$1');
    const why =
      r.runtime.source === 'LAMBDA_NODE_BINARY'
        ? `LAMBDA_NODE_BINARY is Node ${r.runtime.node}`
        : `no Node ${major} was found here, so they ran on this Node ${r.runtime.node}; set LAMBDA_NODE_BINARY`;
    out.push(
      `Warning: the functions run on Node ${major} on Lambda (${r.runtime.lambda}), but ${why} (docs/local-pipeline.md#the-node-the-functions-run-on)\n`,
    );
  }
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
          [
            o.byAnotherClient ? 'written by another client' : '',
            o.reason,
            o.duplicatesAbsorbed ? `${o.duplicatesAbsorbed} duplicate(s) absorbed` : '',
          ]
            .filter(Boolean)
            .join('; '),
        ]),
      ),
    );
  }
  if (r.injected.length > 0) {
    out.push('\nMessages sent straight to the queue');
    out.push(
      table(
        ['outcome', 'file', 'message id', 'reason'],
        r.injected.map((i) => [i.outcome, i.name, i.messageId, i.reason ?? '']),
      ),
    );
  }
  out.push(
    `\nTable items of this run (${r.items.length})${r.earlierItems > 0 ? `; ${r.earlierItems} more from earlier runs (npm run reconcile -- --local lists the table)` : ''}`,
  );
  out.push(
    table(
      ['s3_key', 'content_type', 'file_size', 'event_time', 'processed_at', 'sequencer'],
      r.items.map((i) => [
        JSON.stringify(i.s3_key),
        String(i.content_type ?? (i.deleted ? '(deleted)' : '')),
        String(i.file_size ?? ''),
        String(i.event_time),
        String(i.processed_at),
        String(i.sequencer),
      ]),
    ),
  );
  out.push(`\nDead-letter queue (${r.dlq.length})`);
  if (r.dlq.length > 0) {
    out.push(
      table(
        ['reason', 'objects', 'detail'],
        r.dlq.map((d) => [d.reason, d.keys.map((k) => JSON.stringify(k)).join(', ') || '–', (d.detail ?? '').slice(0, 100)]),
      ),
    );
  }
  if (r.pusherFailures !== null) {
    out.push(`\nPusher failure queue (${r.pusherFailures.length})`);
    if (r.pusherFailures.length > 0) {
      out.push(
        table(
          ['reason', 'objects', 'detail'],
          r.pusherFailures.map((d) => [d.reason, d.keys.map((k) => JSON.stringify(k)).join(', ') || '–', (d.detail ?? '').slice(0, 100)]),
        ),
      );
    }
  }
  if (r.problems.length > 0) {
    out.push('\nInput not ingested');
    out.push(
      table(
        ['path', 'problem'],
        r.problems.map((p) => [p.path, p.problem]),
      ),
    );
  }
  out.push(...renderPermissions(r.permissions));
  if (r.errors.length > 0) out.push(`\nRuntime errors\n${r.errors.map((e) => `  ${e}`).join('\n')}`);
  const c = r.counts;
  out.push(
    `\nTotals: ${c.uploaded} uploaded${c.written ? ` · ${c.written} written by other clients` : ''} · ${c.stored} stored · ${c.duplicate} duplicate · ${c.skipped} skipped · ${c.rejected} rejected · ` +
      `${c.filtered} filtered · ${c['dead-lettered']} dead-lettered · ${c.pending} pending` +
      // The DLQ also holds earlier runs' and other clients' dead letters: said, so the two numbers do not look like a contradiction.
      (r.dlq.length !== c['dead-lettered'] ? ` (the DLQ holds ${r.dlq.length}, earlier runs' and other clients' included)` : ''),
  );
  out.push(`Latency upload → item: p50 ${ms(r.latencyMs.p50)} · p95 ${ms(r.latencyMs.p95)} (${r.latencyMs.count} objects)`);
  return out.join('\n');
}
