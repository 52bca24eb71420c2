import { isUsageError } from './command';

/**
 * Runs a command's `main(argv)` when its file is the program: exits with the code it returns,
 * or prints the error's message (the stack with DEBUG=1) and exits 1 — 2 for a usage error
 * (an option `util.parseArgs` refused), as every command's own usage checks do.
 */
export function runMain(module: NodeModule, main: (argv: string[]) => Promise<number>): void {
  if (require.main !== module) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      if (isUsageError(e)) {
        process.stderr.write(`${e.message} (--help lists the options)\n`);
        process.exit(2);
      }
      process.stderr.write(`${process.env.DEBUG ? (e.stack ?? e.message) : e.message}\n`);
      process.exit(1);
    },
  );
}
