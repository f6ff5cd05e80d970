import { describe, expect, it } from "vitest";
import { filtersToParams, parseFilters, withFilter } from "./filters";

describe("run filters in the query string", () => {
  it("round-trip through the URL", () => {
    const filters = { pipeline: 4, experiment: "baseline v2", status: "failed" as const, offset: 50 };
    expect(parseFilters(filtersToParams(filters))).toEqual(filters);
  });

  it("leave out values the server would refuse", () => {
    expect(parseFilters(new URLSearchParams("pipeline=abc&status=exploded&offset=-3"))).toEqual({
      pipeline: null,
      experiment: null,
      status: null,
      offset: 0,
    });
  });

  it("write no empty filter and no first-page offset", () => {
    expect(filtersToParams({ pipeline: null, experiment: null, status: "running", offset: 0 }).toString()).toBe(
      "status=running",
    );
  });

  it("go back to the first page when a filter changes", () => {
    const filters = { pipeline: null, experiment: null, status: null, offset: 100 };
    expect(withFilter(filters, "status", "queued")).toEqual({ ...filters, status: "queued", offset: 0 });
  });
});
