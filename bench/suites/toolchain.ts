import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../config/project-root';
import { figure, type Figure } from '../lib/stats';

export interface CommandFigure {
  name: string;
  command: string;
  seconds: Figure;
}

function time(command: string): number {
  const t = performance.now();
  const r = spawnSync('bash', ['-c', command], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${command} exited ${r.status}: ${String(r.stderr).slice(-1500)}`);
  return (performance.now() - t) / 1000;
}

export function toolchainSuite(o: { repeats: number; includeTests: boolean; log: (s: string) => void }): CommandFigure[] {
  const commands: Array<[string, string, number]> = [
    ['project synth (npm run synth)', 'npm run --silent synth', o.repeats],
    ['npx cdktf synth (cdktf.json: compiled app)', 'npx cdktf synth', o.repeats],
    ['npx cdktf synth through ts-node', 'npx cdktf synth --app "npx ts-node main.ts"', o.repeats],
    ...(o.includeTests ? ([['npm test (wall)', 'npm test', 1]] as Array<[string, string, number]>) : []),
  ];
  time('npm run --silent synth'); // warm the bundle cache and the file cache, as a developer's second run would be
  return commands.map(([name, command, repeats]) => {
    const f = { name, command, seconds: figure(Array.from({ length: repeats }, () => time(command))) };
    o.log(`  toolchain ${name}: ${f.seconds.median} s`);
    return f;
  });
}
