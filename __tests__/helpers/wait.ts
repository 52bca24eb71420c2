/**
 * Waits for a condition instead of for a fixed time: on a loaded 2-core machine a fixed sleep is
 * either too short (a flaky test) or too long (a slow one). Fails naming what it waited for.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
