/**
 * Tiny measurement helpers shared by the benchmarks: run for a fixed time and
 * report a rate, so figures are comparable across machines and runs.
 *
 * @module
 */

/** Runs `fn` in batches for about `ms` milliseconds; returns calls per second. */
export function rateOf(fn: () => void, ms = 500, batch = 1000): number {
  // Warm-up so the JIT has compiled the hot path before we time it.
  for (let i = 0; i < batch; i++) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    now = performance.now();
  }
  return calls / ((now - start) / 1000);
}

/** Formats a rate with thousands separators. */
export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString("en-US");
}

/** Prints rows as an aligned two- or three-column table. */
export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  console.log(`\n${title}`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of rows) {
    console.log(
      "  " +
        row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join(
          "  ",
        ),
    );
  }
}
