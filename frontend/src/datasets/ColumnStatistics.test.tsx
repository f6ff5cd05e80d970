import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ColumnStatistics } from "./ColumnStatistics";
import type { ColumnSummary } from "./datasetsApi";

const COLUMNS: ColumnSummary[] = [
  { name: "age", dtype: "int", stats: { count: 190, missing: 10, mean: 41.5, std: 12.25, min: 18, max: 89, median: 40 } },
  {
    name: "city",
    dtype: "string",
    stats: { count: 200, missing: 0, unique: 3, top: "Oslo" },
    top_values: [
      { value: "Oslo", count: 120 },
      { value: "Lima", count: 60 },
      { value: "Pune", count: 20 },
    ],
  },
  { name: "member", dtype: "bool", stats: { count: 200, missing: 0, true: 150 } },
  { name: "empty", dtype: "float", stats: { count: 0, missing: 200 } },
  { name: "when", dtype: "datetime", stats: { count: 200, missing: 0, unique: 180, top: "2026-01-01" } },
];

const rowOf = (name: string) => screen.getByRole("rowheader", { name }).closest("tr")!;

describe("ColumnStatistics", () => {
  it("shows each column's type and missing count with its share of the rows", () => {
    render(<ColumnStatistics columns={COLUMNS} rows={200} countedRows={200} />);
    expect(rowOf("age")).toHaveTextContent("int");
    expect(rowOf("age")).toHaveTextContent("10 (5.0%)");
    expect(rowOf("city")).toHaveTextContent("string");
    expect(rowOf("empty")).toHaveTextContent("200 (100.0%)");
  });

  it("gives numbers their range, mean, spread and median", () => {
    render(<ColumnStatistics columns={COLUMNS} rows={200} countedRows={200} />);
    const age = rowOf("age");
    expect(age).toHaveTextContent("min 18 · max 89");
    expect(age).toHaveTextContent("mean 41.5 · std 12.25 · median 40");
    expect(rowOf("empty")).toHaveTextContent("no values");
  });

  it("gives text its distinct count and most frequent values with their counts, in order", () => {
    render(<ColumnStatistics columns={COLUMNS} rows={200} countedRows={200} />);
    expect(rowOf("city")).toHaveTextContent("3 distinct");
    const top = within(rowOf("city")).getByRole("list", { name: "Most frequent values of city" });
    expect(within(top).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "“Oslo” × 120",
      "“Lima” × 60",
      "“Pune” × 20",
    ]);
    expect(rowOf("when")).toHaveTextContent("180 distinct · most frequent “2026-01-01”");
  });

  it("counts true and false of a boolean column", () => {
    render(<ColumnStatistics columns={COLUMNS} rows={200} countedRows={200} />);
    expect(rowOf("member")).toHaveTextContent("true 150 · false 50");
  });

  it("says when top values were counted over only the first rows", () => {
    render(<ColumnStatistics columns={COLUMNS} rows={500_000} countedRows={100_000} />);
    expect(screen.getByText(/counted over the first 100,000 rows/)).toBeInTheDocument();
  });
});
