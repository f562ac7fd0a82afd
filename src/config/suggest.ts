/**
 * "Did you mean" for unknown config keys and environment variables.
 *
 * @module
 */

/** Edit distance with transpositions (optimal string alignment): `prot` is 1 from `port`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2][j - 2] + 1);
      }
      rows[i].push(best);
    }
  }
  return rows[a.length][b.length];
}

/** Lower case without separators: `ipcon_host`, `ipcon-host` and `ipconHost` are alike. */
function fold(text: string): string {
  return text.toLowerCase().replace(/[-_.\s]/g, "");
}

/** The last dotted segment (`thingsboard.port` -> `port`). */
function leaf(path: string): string {
  return path.slice(path.lastIndexOf(".") + 1);
}

/**
 * The candidate a mistyped name most likely meant, or undefined when none is close: the same
 * name spelled differently (case, `_`, `-`), the same key in another section, or a small edit.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const folded = fold(name);
  const same = list.find((candidate) => fold(candidate) === folded);
  if (same !== undefined) return same;
  const sameLeaf = list.filter((candidate) => fold(leaf(candidate)) === fold(leaf(name)));
  if (sameLeaf.length === 1) return sameLeaf[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the name may be wrong, at least one character.
  return bestDistance <= Math.max(1, Math.floor(leaf(name).length / 3)) ? best : undefined;
}
