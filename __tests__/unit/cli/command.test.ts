import { command, isUsageError, UsageError } from '../../../cli/command';

/** Runs a command built on the shared layer, capturing what it prints. */
async function invoke(main: (argv: string[], write?: (s: string) => void) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(argv, (s) => void out.push(s));
    return { code, out: out.join(''), err: err.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    err.mockRestore();
  }
}

describe('the shared command layer', () => {
  const seen: unknown[] = [];
  const main = command(
    {
      usage: 'Usage: npm run example -- --env NAME [--local] [--max N]',
      shared: ['env', 'local', 'json'],
      options: { max: { type: 'string' } },
      required: ['env'],
      aws: true,
    },
    async ({ values, write }) => {
      seen.push(values);
      if (values.max !== undefined && !/^\d+$/.test(values.max)) throw new UsageError(`--max must be a whole number (got "${values.max}")`);
      if (values.max === '13') throw new Error('unlucky');
      write(`env ${values.env} local ${values.local} json ${values.json}\n`);
      return 0;
    },
  );

  it('parses shared and own options, with the shared defaults', async () => {
    expect(await invoke(main, ['--env', 'dev'])).toEqual({ code: 0, out: 'env dev local false json false\n', err: '' });
    expect((await invoke(main, ['--env=prod', '--local', '--json'])).out).toBe('env prod local true json true\n');
  });

  it('answers --help and -h with the usage, exit 0, without running', async () => {
    seen.length = 0;
    for (const flag of ['--help', '-h'])
      expect(await invoke(main, [flag])).toEqual({ code: 0, out: 'Usage: npm run example -- --env NAME [--local] [--max N]\n', err: '' });
    expect(seen).toEqual([]);
  });

  it('refuses a missing required option, an unknown option, a stray word and a bad value: the reason and the usage, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [[], '--env is required'],
      [['--env', 'dev', '--nope'], "Unknown option '--nope'"],
      [['--env', 'dev', 'stray'], "Unexpected argument 'stray'"],
      [['--env'], "Option '--env <value>' argument missing"],
      [['--env', 'dev', '--max', 'x'], '--max must be a whole number (got "x")'],
    ];
    for (const [argv, reason] of cases) {
      const r = await invoke(main, argv);
      expect({ argv, code: r.code, out: r.out }).toEqual({ argv, code: 2, out: '' });
      expect(r.err).toContain(reason);
      expect(r.err).toContain('Usage: npm run example');
    }
  });

  it('lets other errors through (runMain prints them, exit 1)', async () => {
    await expect(invoke(main, ['--env', 'dev', '--max', '13'])).rejects.toThrow('unlucky');
  });

  it('uses the command\'s own usage exit code where 2 means something else (plan: "changes")', async () => {
    const plan = command({ usage: 'plan usage', shared: ['env'], required: ['env'], usageExit: 1 }, async () => 2);
    expect((await invoke(plan, [])).code).toBe(1);
    expect((await invoke(plan, ['--env', 'dev'])).code).toBe(2);
  });

  it("silences the SDK's Node-version warning for commands that call AWS, and only for them", async () => {
    const saved = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    try {
      delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      await invoke(
        command({ usage: 'u' }, async () => 0),
        [],
      );
      expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBeUndefined();
      await invoke(main, ['--env', 'dev']);
      expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
    } finally {
      if (saved === undefined) delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      else process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = saved;
    }
  });

  it('accepts positionals only where the command takes them', async () => {
    const sub = command({ usage: 'u', positionals: true }, async ({ positionals, write }) => {
      write(positionals.join(','));
      return 0;
    });
    expect((await invoke(sub, ['stats', 'more'])).out).toBe('stats,more');
    expect(isUsageError(new UsageError('x'))).toBe(true);
  });
});
