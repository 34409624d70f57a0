/**
 * Delta debugging (ddmin) over lists: finds a small sublist that still fails. Used to shrink a
 * failing case first on its raw operations (re-running `fixup`, so refs stay meaningful) and then
 * on the concrete operations.
 * @module
 */

/** Options of {@link ddmin}. */
export interface DdminOptions {
  /** Most predicate evaluations (default 2000). */
  readonly maxTests?: number;
  /** Wall-clock budget in milliseconds (default 10 s). */
  readonly maxMillis?: number;
}

/**
 * Returns a sublist of `items` (order kept) for which `fails` still holds, 1-minimal with respect
 * to removing single items when the budget allows. `fails(items)` must be true on entry.
 */
export function ddmin<T>(items: readonly T[], fails: (candidate: readonly T[]) => boolean, options: DdminOptions = {}): T[] {
  const maxTests = options.maxTests ?? 2000;
  const deadline = performance.now() + (options.maxMillis ?? 10_000);
  let tests = 0;
  const test = (c: readonly T[]): boolean => {
    tests++;
    return fails(c);
  };
  const budget = (): boolean => tests < maxTests && performance.now() < deadline;
  let current = items.slice();
  let n = 2;
  while (current.length >= 2 && budget()) {
    const chunk = Math.ceil(current.length / n);
    let reduced = false;
    for (let start = 0; start < current.length && budget(); start += chunk) {
      const complement = [...current.slice(0, start), ...current.slice(start + chunk)];
      if (complement.length > 0 && test(complement)) {
        current = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(n * 2, current.length);
    }
  }
  // final pass: try removing each single item
  for (let i = current.length - 1; i >= 0 && current.length > 1 && budget(); i--) {
    const without = [...current.slice(0, i), ...current.slice(i + 1)];
    if (test(without)) current = without;
  }
  return current;
}
