import { describe, expect, it } from "vitest";
import { parseAll, parseParam, valueToText } from "./pipelineParams";
import type { PipelineParameter } from "../api/types";

const fraction: PipelineParameter = { name: "fraction", kind: "float", default: 0.7, min: 0.05, max: 0.95 };
const trees: PipelineParameter = { name: "trees", kind: "int", default: 100, min: 1 };
const mode: PipelineParameter = { name: "mode", kind: "choice", choices: ["fast", "exact"], default: "fast" };

describe("pipeline parameter values", () => {
  it("reads numbers in their range and refuses the rest with a reason", () => {
    expect(parseParam(fraction, "0.5")).toEqual({ ok: true, value: 0.5 });
    expect(parseParam(fraction, "1.5")).toEqual({ ok: false, error: "Must be at most 0.95." });
    expect(parseParam(fraction, "abc")).toMatchObject({ ok: false, error: expect.stringMatching(/number/) });
    expect(parseParam(trees, "2.5")).toMatchObject({ ok: false, error: expect.stringMatching(/whole number/) });
    expect(parseParam(trees, "0")).toEqual({ ok: false, error: "Must be at least 1." });
    expect(parseParam(trees, "12")).toEqual({ ok: true, value: 12 });
  });

  it("an empty field takes the default, or says the value is needed", () => {
    expect(parseParam(trees, "")).toEqual({ ok: true, value: 100 });
    expect(parseParam({ name: "n", kind: "int" }, " ")).toMatchObject({ ok: false });
  });

  it("checks choices, booleans, columns and datasets", () => {
    expect(parseParam(mode, "exact")).toEqual({ ok: true, value: "exact" });
    expect(parseParam(mode, "slow")).toEqual({ ok: false, error: "Choose one of: fast, exact." });
    expect(parseParam({ name: "b", kind: "bool", default: false }, "true")).toEqual({ ok: true, value: true });
    expect(parseParam({ name: "c", kind: "columns" }, "a, b ,")).toEqual({ ok: true, value: ["a", "b"] });
    expect(parseParam({ name: "d", kind: "dataset" }, "iris@3")).toEqual({ ok: true, value: { name: "iris", version: 3 } });
  });

  it("round-trips a value through the form's text", () => {
    const columns: PipelineParameter = { name: "c", kind: "columns" };
    expect(parseParam(columns, valueToText(columns, ["x", "y"]))).toEqual({ ok: true, value: ["x", "y"] });
    expect(parseParam(fraction, valueToText(fraction, 0.25))).toEqual({ ok: true, value: 0.25 });
  });

  it("collects the values and the errors of a whole form", () => {
    const { values, errors } = parseAll([fraction, trees, mode], { fraction: "2", trees: "5", mode: "fast" });
    expect(values).toEqual({ trees: 5, mode: "fast" });
    expect(Object.keys(errors)).toEqual(["fraction"]);
  });
});
