/**
 * Which spool record mirrors which ring item: ring seqs mapped to spool seqs as runs of
 * consecutive pairs. Both sides only grow at the tail and are only trimmed at the head, so a run
 * list stays tiny (one run normally; a failed spool write starts a new one) and every operation
 * is O(1) amortised.
 *
 * @module
 */

interface Run {
  ring: number;
  spool: number;
  count: number;
}

/** Monotonic ring seq -> spool seq map. */
export class SeqMap {
  #runs: Run[] = [];

  /** Number of runs (a test hook: it counts the gaps). */
  get runs(): number {
    return this.#runs.length;
  }

  /** Records that ring items `ringStart...` now have the spool records `spoolStart...`. */
  add(ringStart: number, spoolStart: number, count: number): void {
    const last = this.#runs.at(-1);
    if (last && last.ring + last.count === ringStart && last.spool + last.count === spoolStart) {
      last.count += count;
    } else this.#runs.push({ ring: ringStart, spool: spoolStart, count });
  }

  /**
   * Forgets every item below `ringHead` and returns the spool seq of the oldest remaining item
   * that has a record; undefined when none has.
   */
  firstFrom(ringHead: number): number | undefined {
    const runs = this.#runs;
    while (runs.length > 0) {
      const run = runs[0];
      if (run.ring + run.count <= ringHead) {
        runs.shift();
        continue;
      }
      if (run.ring < ringHead) {
        const cut = ringHead - run.ring;
        run.ring += cut;
        run.spool += cut;
        run.count -= cut;
      }
      return run.spool;
    }
    return undefined;
  }
}
