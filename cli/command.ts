import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * The command layer every `npm run …` command is built on: node's `util.parseArgs` with the options
 * several commands share defined (and explained) once, `--help`, required options and usage errors
 * handled one way, and the SDK's Node-version warning silenced for commands that call AWS.
 */

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Options more than one command takes. Pick them by name; their help lines come with them. */
export const SHARED_OPTIONS = {
  env: { type: 'string' },
  local: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  offline: { type: 'boolean', default: false },
  's3-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionsConfig;

export type SharedOption = keyof typeof SHARED_OPTIONS;

const SHARED_TEXT = {
  local: ['--local', 'the running local pipeline (npm start -- --env NAME --watch DIR)'],
  'data-dir': ['--data-dir DIR', "the local pipeline's data folder (default .local/NAME)"],
  json: ['--json', 'the result as JSON'],
  offline: ['--offline', 'local backend and fake credentials (no AWS account needed)'],
  's3-endpoint': ['--s3-endpoint URL', 'S3 backend endpoint override (e.g. a local S3 emulator)'],
} as const;

/** A shared option's help line for a command's usage text, its text starting at `column` (the command's own lines' column). */
export const sharedHelp = (name: keyof typeof SHARED_TEXT, column = 19): string => {
  const [flag, text] = SHARED_TEXT[name];
  return `  ${flag.padEnd(column - 3)} ${text}`;
};

/** A usage mistake a command found itself (a missing or malformed option): printed with the usage, exit 2. */
export class UsageError extends Error {
  public override readonly name = 'UsageError';
}

/** An unknown option, a missing value, a stray argument: node's `util.parseArgs` refusals, or a {@link UsageError}. */
export const isUsageError = (e: unknown): boolean =>
  e instanceof UsageError ||
  (typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('ERR_PARSE_ARGS_'));

type Parsed<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

export type Write = (s: string) => void;
const stdout: Write = (s) => void process.stdout.write(s);

export interface CommandSpec<S extends SharedOption, O extends OptionsConfig, R extends S | keyof O> {
  /** The whole `--help` text (it is printed after a usage error too). */
  usage: string;
  /** Shared options this command takes (`help` is always taken). */
  shared?: readonly S[];
  /** The command's own options. */
  options?: O;
  /** Options without which the command cannot run: "--env is required" and the usage, exit {@link usageExit}. */
  required?: readonly R[];
  /** Whether bare words (sub-commands, paths) are accepted. */
  positionals?: boolean;
  /** The command calls AWS through the SDK v3: its "Node version support" warning says nothing to an operator. */
  aws?: boolean;
  /** Exit code of a usage error: 2, except where 2 already means something (plan: "changes"). */
  usageExit?: number;
}

export interface Invocation<V> {
  values: V;
  positionals: string[];
  write: Write;
}

type Values<S extends SharedOption, O extends OptionsConfig, R extends PropertyKey> = Parsed<
  Pick<typeof SHARED_OPTIONS, S | 'help'> & O
>['values'] & {
  [K in R & string]: string;
};

/**
 * Builds a command's `main(argv, write)`: parses, answers `--help`, refuses usage mistakes with the
 * usage and the usage exit code (parseArgs refusals and {@link UsageError}s thrown by `run` alike),
 * then runs. Other errors propagate (`runMain` prints them, exit 1).
 */
export function command<S extends SharedOption, O extends OptionsConfig = Record<never, never>, R extends S | keyof O = never>(
  spec: CommandSpec<S, O, R>,
  run: (invocation: Invocation<Values<S, O, R>>) => Promise<number>,
): (argv: string[], write?: Write) => Promise<number> {
  const options = { ...pick(spec.shared ?? []), help: SHARED_OPTIONS.help, ...spec.options };
  const usageExit = spec.usageExit ?? 2;
  return async (argv, write = stdout) => {
    if (spec.aws) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const refuse = (message: string): number => {
      process.stderr.write(`${message}\n\n${spec.usage}\n`);
      return usageExit;
    };
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: spec.positionals ?? false, strict: true });
    } catch (e) {
      if (isUsageError(e)) return refuse((e as Error).message);
      throw e;
    }
    if (parsed.values.help) {
      write(`${spec.usage}\n`);
      return 0;
    }
    const missing = (spec.required ?? []).filter(
      (name) => parsed.values[name as string] === undefined || parsed.values[name as string] === '',
    );
    if (missing.length > 0)
      return refuse(`${missing.map((m) => `--${String(m)}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
    try {
      return await run({ values: parsed.values as Values<S, O, R>, positionals: parsed.positionals, write });
    } catch (e) {
      if (e instanceof UsageError) return refuse(e.message);
      throw e;
    }
  };
}

function pick(names: readonly SharedOption[]): OptionsConfig {
  return Object.fromEntries(names.map((n) => [n, SHARED_OPTIONS[n]]));
}
