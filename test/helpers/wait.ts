/**
 * Polls `predicate` until it holds; fails with `what` after the deadline. No fixed sleeps in tests.
 * One look that never settles (a fetch to a server that accepted and never answers) also fails at
 * the deadline, instead of holding the test until the runner's own timeout says nothing useful.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  const timedOut = (): Error => new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(timedOut()), Math.max(0, deadline - Date.now()) + 50);
    });
    const value = await Promise.race([Promise.resolve(predicate()), expired]).finally(() => clearTimeout(timer));
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw timedOut();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
