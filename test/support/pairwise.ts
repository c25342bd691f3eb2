/**
 * A pairwise covering set: rows of factor values such that every pair of values of any two
 * factors appears together in some row. Built greedily and deterministically (same factors, same
 * rows): each row starts from the first pair still uncovered and then takes, factor by factor, the
 * value that covers the most uncovered pairs with the values already chosen (first value on ties).
 */
export type Factors = Readonly<Record<string, readonly unknown[]>>;
export type Row<F extends Factors> = { [K in keyof F]: F[K][number] };

export function pairwise<F extends Factors>(factors: F): Row<F>[] {
  const names = Object.keys(factors);
  const sizes = names.map((n) => factors[n]!.length);
  const key = (a: number, va: number, b: number, vb: number) => `${a}=${va},${b}=${vb}`;
  const uncovered = new Set<string>();
  for (let a = 0; a < names.length; a++)
    for (let b = a + 1; b < names.length; b++)
      for (let va = 0; va < sizes[a]!; va++)
        for (let vb = 0; vb < sizes[b]!; vb++) uncovered.add(key(a, va, b, vb));
  const rows: number[][] = [];
  while (uncovered.size > 0) {
    const [first] = uncovered;
    const [, a, va, b, vb] = /^(\d+)=(\d+),(\d+)=(\d+)$/.exec(first!)!.map(Number);
    const row: (number | undefined)[] = names.map(() => undefined);
    row[a!] = va;
    row[b!] = vb;
    for (let f = 0; f < names.length; f++) {
      if (row[f] !== undefined) continue;
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < sizes[f]!; v++) {
        let gain = 0;
        for (let g = 0; g < names.length; g++) {
          const vg = row[g];
          if (g === f || vg === undefined) continue;
          if (uncovered.has(g < f ? key(g, vg, f, v) : key(f, v, g, vg))) gain++;
        }
        if (gain > bestGain) [best, bestGain] = [v, gain];
      }
      row[f] = best;
    }
    const done = row as number[];
    for (let x = 0; x < names.length; x++)
      for (let y = x + 1; y < names.length; y++) uncovered.delete(key(x, done[x]!, y, done[y]!));
    rows.push(done);
  }
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, factors[n]![r[i]!]])) as Row<F>);
}
