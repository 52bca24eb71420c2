import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const METADATA = '._S3rver_metadata.json';
const OBJECT = '._S3rver_object';
const MD5 = '._S3rver_object.md5';

export interface TornObjectsReport {
  /** Objects whose metadata a kill cut off, moved out of the emulator's way (`bucket/key`). */
  quarantined: string[];
  /** Where they went. */
  quarantineDir?: string;
  /** Stored MD5s that were cut off: removed, s3rver computes them again from the object. */
  md5Repaired: number;
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else yield full;
  }
}

const parses = (file: string): boolean => {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
};

/**
 * s3rver writes an object's bytes, its MD5 and its metadata as three files, non-atomically: a
 * SIGKILL between them leaves a 0-byte or cut-off metadata file, and every later request that
 * reads it (GET, HEAD, the listing of its folder) answers 500 — reconcile and backfill cannot run.
 * Before the emulator starts, each such object is moved (all its files) to
 * `<dataDir>/quarantine/<time>/`, and a cut-off MD5 is removed (s3rver recomputes it).
 */
export function repairTornObjects(dataDir: string, now = new Date()): TornObjectsReport {
  const s3Dir = join(dataDir, 's3');
  const report: TornObjectsReport = { quarantined: [], md5Repaired: 0 };
  if (!existsSync(s3Dir)) return report;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (const file of [...filesUnder(s3Dir)]) {
    if (file.endsWith(MD5)) {
      if (existsSync(file) && !/^[0-9a-f]{32}$/.test(readFileSync(file, 'utf8'))) {
        rmSync(file, { force: true });
        report.md5Repaired++;
      }
      continue;
    }
    if (!file.endsWith(METADATA) || parses(file)) continue;
    const base = file.slice(0, -METADATA.length);
    const quarantine = join(dataDir, 'quarantine', stamp);
    for (const suffix of [METADATA, OBJECT, MD5]) {
      const from = `${base}${suffix}`;
      if (!existsSync(from) || !statSync(from).isFile()) continue;
      const to = join(quarantine, relative(s3Dir, from));
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
    }
    report.quarantined.push(relative(s3Dir, base));
    report.quarantineDir = quarantine;
  }
  return report;
}

/** The sentence `npm start` prints about a repair, or undefined when there was nothing to repair. */
export function describeRepair(r: TornObjectsReport): string | undefined {
  const lines: string[] = [];
  if (r.quarantined.length > 0) {
    const shown = r.quarantined
      .slice(0, 5)
      .map((k) => JSON.stringify(k))
      .join(', ');
    lines.push(
      `${r.quarantined.length} object(s) torn by an earlier kill (their metadata was cut off mid-write) were moved to ${r.quarantineDir}: ${shown}${r.quarantined.length > 5 ? ', …' : ''}. Upload them again if you need them; npm run reconcile -- --local shows what the table still holds.`,
    );
  }
  if (r.md5Repaired > 0) lines.push(`${r.md5Repaired} cut-off stored MD5(s) removed: the emulator computes them again.`);
  return lines.length > 0 ? lines.join('\n') : undefined;
}
