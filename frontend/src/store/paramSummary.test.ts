import { describe, expect, it } from "vitest";
import { module } from "./testing";
import { paramSummary } from "./paramSummary";

const spec = {
  ...module("m", [], []),
  params: [
    { name: "fraction", kind: "float", label: "Fraction", default: 0.5, required: false, help: "" },
    { name: "columns", kind: "columns", label: "Columns", default: [], required: false, help: "" },
    { name: "script", kind: "code", label: "Script", default: "", required: false, help: "" },
  ],
};

describe("paramSummary", () => {
  it("shows set values by label, a binding by its parameter, at most two lines", () => {
    expect(paramSummary(spec, { id: "n", module: "m", params: { fraction: { $param: "share" }, columns: ["a", "b"], script: "x" } })).toEqual([
      "Fraction: ⟨share⟩",
      "Columns: a, b",
    ]);
  });

  it("leaves out empty values, hides code and shortens long text", () => {
    expect(paramSummary(spec, { id: "n", module: "m", params: { columns: [], script: "print(1)" } })).toEqual(["Script: code"]);
    const [line] = paramSummary(spec, { id: "n", module: "m", params: { columns: Array.from({ length: 30 }, (_, i) => `column${i}`) } });
    expect(line.length).toBeLessThanOrEqual(40);
    expect(line.endsWith("…")).toBe(true);
  });

  it("shows a dataset by its name and version, not as JSON", () => {
    const importer = { ...module("i", [], []), params: [{ name: "dataset", kind: "dataset", label: "Dataset", default: null, required: true, help: "" }] };
    expect(paramSummary(importer, { id: "n", module: "i", params: { dataset: { name: "tumours", version: null } } })).toEqual(["Dataset: tumours (newest)"]);
    expect(paramSummary(importer, { id: "n", module: "i", params: { dataset: { name: "tumours", version: 3 } } })).toEqual(["Dataset: tumours v3"]);
  });
});
