/**
 * Mean and spread over seeds (or any other grouping), with danfo.js doing the group-by. One helper
 * for every notebook that summarizes its runs.
 */

/** What `summarize` computes per value column. `std` is the population standard deviation. */
export type Statistic = 'mean' | 'std' | 'se' | 'count' | 'median' | 'min' | 'max' | 'pooledSe';

/**
 * A summary row: the grouping fields as in the first row of the group, then one column per value
 * and statistic, named value + Statistic (e.g. `exactRateMean`, `exactRateSe`).
 */
export type SummaryRow<Row, By extends keyof Row, Value extends keyof Row & string, Stat extends Statistic> =
  Pick<Row, By> & { [K in `${Value}${Capitalize<Stat>}`]: number | null };

interface DanfoFrame { groupby(columns: string[]): { agg(spec: Record<string, string[]>): DanfoFrame }; columns: string[]; values: unknown[][] }
type Danfo = { DataFrame: new (rows: Record<string, unknown>[]) => DanfoFrame };

/** danfo's group-by of `rows` on their `group` field, one record per group (columns named field_statistic). */
function groupCells(dfd: Danfo, rows: { group: string }[], spec: Record<string, string[]>): (Record<string, number> & { group: string })[] {
  const frame = new dfd.DataFrame(rows).groupby(['group']).agg(spec);
  return frame.values.map((r) => Object.fromEntries(frame.columns.map((c, i) => [c, r[i]])) as Record<string, number> & { group: string });
}

/**
 * Groups `rows` by the fields `by` (compared by value, so arrays such as architectures group
 * correctly) and computes each statistic of each field in `values`, ignoring nulls and non-finite
 * values (a group with none gets null). Groups come in the order of their first row.
 * `pooledSe`: √(Σ xᵢ²) / n, the standard error of a mean of independent estimates whose own
 * standard errors are the xᵢ.
 */
export function summarize<Row extends object, By extends keyof Row & string, Value extends keyof Row & string, Stat extends Statistic>(
  rows: readonly Row[],
  options: { by: readonly By[]; values: readonly Value[]; stats: readonly Stat[] },
): SummaryRow<Row, By, Value, Stat>[] {
  const { by, values, stats } = options;
  const keyOf = (row: Row): string => JSON.stringify(by.map((field) => row[field]));
  const firstRows = new Map<string, Row>();
  for (const row of rows) if (!firstRows.has(keyOf(row))) firstRows.set(keyOf(row), row);
  const out = new Map<string, Record<string, unknown>>();
  for (const [key, row] of firstRows) out.set(key, Object.fromEntries(by.map((field) => [field, row[field]])));

  // Loaded on first use (Node caches it): danfo.js takes a moment to load and most of the library does not need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dfd = require('danfojs-node') as Danfo;
  for (const value of values) {
    const present = rows
      .map((row) => ({ group: keyOf(row), x: row[value] as unknown }))
      .filter((r): r is { group: string; x: number } => typeof r.x === 'number' && Number.isFinite(r.x))
      .map((r) => ({ ...r, x2: r.x * r.x }));
    const computed = new Map<string, Record<string, number>>();
    if (present.length) {
      for (const cell of groupCells(dfd, present, { x: ['mean', 'std', 'count', 'median', 'min', 'max'], x2: ['sum'] })) {
        const n = cell.x_count;
        computed.set(cell.group, {
          mean: cell.x_mean, count: n, median: cell.x_median, min: cell.x_min, max: cell.x_max,
          se: n > 1 ? cell.x_std / Math.sqrt(n) : 0,
          pooledSe: Math.sqrt(cell.x2_sum) / n,
        });
      }
      // The population std as the root of the mean squared deviation, not danfo's n - 1 std rescaled:
      // the same bits as metrics' meanAndStd, so a summary rounds as the hand-computed one did.
      const deviations = present.map((r) => ({ group: r.group, d2: (r.x - computed.get(r.group)!.mean) ** 2 }));
      for (const cell of groupCells(dfd, deviations, { d2: ['mean'] })) computed.get(cell.group)!.std = Math.sqrt(cell.d2_mean);
    }
    for (const [key, target] of out) {
      const c = computed.get(key);
      for (const stat of stats) {
        target[`${value}${stat[0].toUpperCase()}${stat.slice(1)}`] = stat === 'count' ? (c?.count ?? 0) : (c ? c[stat] : null);
      }
    }
  }
  return [...out.values()] as SummaryRow<Row, By, Value, Stat>[];
}
