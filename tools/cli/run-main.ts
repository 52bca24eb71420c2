/**
 * Runs a command's `main(argv)` when its file is the program: exits with the code it returns,
 * or prints the error's message (the stack with DEBUG=1) and exits 1.
 */
export function runMain(module: NodeModule, main: (argv: string[]) => Promise<number>): void {
  if (require.main !== module) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`${process.env.DEBUG ? (e.stack ?? e.message) : e.message}\n`);
      process.exit(1);
    },
  );
}
