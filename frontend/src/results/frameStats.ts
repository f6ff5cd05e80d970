// Column statistics of a DataFrame output: the server's (computed over every row when it was
// written), or, for a column it gave none, computed here from the rows the page has.
import type { ColumnStats, DataFrameMeta, FrameColumn } from "../runs/types";

export function statsFromValues(values: unknown[], dtype: string): ColumnStats {
  const present = values.filter((v) => v !== null && v !== undefined && !(typeof v === "number" && Number.isNaN(v)));
  const stats: ColumnStats = { count: present.length, missing: values.length - present.length };
  if (dtype === "int" || dtype === "float") {
    const nums = present.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
    if (nums.length === 0) return stats;
    const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
    const variance = nums.length > 1 ? nums.reduce((a, b) => a + (b - mean) ** 2, 0) / (nums.length - 1) : null;
    const mid = Math.floor(nums.length / 2);
    return {
      ...stats,
      mean,
      std: variance === null ? null : Math.sqrt(variance),
      min: nums[0],
      max: nums[nums.length - 1],
      median: nums.length % 2 ? nums[mid] : (nums[mid - 1] + nums[mid]) / 2,
    };
  }
  if (dtype === "bool") return { ...stats, true: present.filter((v) => v === true).length };
  const counts = new Map<string, number>();
  for (const v of present) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  let top: string | undefined;
  let best = 0;
  for (const [value, n] of counts) {
    if (n > best) [top, best] = [value, n];
  }
  return { ...stats, unique: counts.size, ...(top !== undefined ? { top } : {}) };
}

/** The frame's columns in the order of its preview rows, each with statistics. */
export function frameColumns(meta: DataFrameMeta): { columns: FrameColumn[]; computed: boolean } {
  const byName = new Map(meta.columns.map((c) => [c.name, c]));
  const names = meta.preview?.columns ?? meta.columns.map((c) => c.name);
  let computed = false;
  const columns = names.map((name, j) => {
    const known = byName.get(name) ?? { name, dtype: "string" };
    if (known.stats && Object.keys(known.stats).length > 0) return known;
    computed = true;
    return { ...known, stats: statsFromValues((meta.preview?.rows ?? []).map((r) => r[j]), known.dtype) };
  });
  return { columns, computed };
}

export function isDataFrameMeta(meta: unknown): meta is DataFrameMeta {
  const m = meta as DataFrameMeta | null;
  return !!m && typeof m.rows === "number" && Array.isArray(m.columns);
}
