import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFolderBusyError, lockDataFolder, processAlive } from '../../../local/data-lock';

/** A pid that certainly belonged to a process that has exited. */
const deadPid = (): number => spawnSync('node', ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString() as unknown as number;

describe('one pipeline per data folder', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'lock-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a second lock while the first is held, naming the pid and --data-dir', () => {
    const dir = join(root, 'dev');
    const release = lockDataFolder(dir);
    expect(() => lockDataFolder(dir)).toThrow(DataFolderBusyError);
    expect(() => lockDataFolder(dir)).toThrow(new RegExp(`pid ${process.pid}.*--data-dir ${dir}-2.*--reset did not touch its data`));
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    lockDataFolder(dir)();
  });

  it('locks a data folder whose parent does not exist yet (a fresh clone has no .local/)', () => {
    const dir = join(root, 'fresh-clone', '.local', 'dev');
    const release = lockDataFolder(dir);
    expect(existsSync(`${dir}.lock`)).toBe(true);
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('refuses a lock held by another live process', () => {
    const dir = join(root, 'other');
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.ppid, startedAt: '2026-12-01T10:00:00Z' }));
    expect(processAlive(process.ppid)).toBe(true);
    expect(() => lockDataFolder(dir)).toThrow(
      `A local pipeline (pid ${process.ppid}, started 2026-12-01T10:00:00Z) is running with its data in ${dir}`,
    );
  });

  it('takes over a stale lock whose process is gone (a SIGKILL), and an unreadable one', () => {
    const dir = join(root, 'stale');
    const pid = Number(deadPid());
    expect(processAlive(pid)).toBe(false);
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid }));
    const release = lockDataFolder(dir);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    release();
    writeFileSync(`${dir}.lock`, '{"pid":');
    lockDataFolder(dir)();
  });
});

describe('a load run that cannot start', () => {
  it('fails with the reason and leaves no timer running', async () => {
    const { runLoad } = await import('../../../local/load-run');
    const { makeConfig } = await import('../../helpers/factories');
    const root = mkdtempSync(join(tmpdir(), 'load-fail-'));
    const dir = join(root, 'data');
    const release = lockDataFolder(dir);
    const created: unknown[] = [];
    const cleared = new Set<unknown>();
    const set = jest.spyOn(global, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      const t = (jest.requireActual('node:timers') as typeof import('node:timers')).setInterval(fn, ms);
      created.push(t);
      return t;
    }) as typeof setInterval);
    const clear = jest.spyOn(global, 'clearInterval').mockImplementation(((t: NodeJS.Timeout) => {
      cleared.add(t);
      (jest.requireActual('node:timers') as typeof import('node:timers')).clearInterval(t);
    }) as typeof clearInterval);
    try {
      await expect(
        runLoad({ config: makeConfig(), dataDir: dir, files: 1, poison: 0, duplicates: 0, reorder: 0, transient: 0 }),
      ).rejects.toThrow(DataFolderBusyError);
      expect(created.length).toBeGreaterThan(0);
      expect(created.filter((t) => !cleared.has(t))).toEqual([]);
    } finally {
      set.mockRestore();
      clear.mockRestore();
      release();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
