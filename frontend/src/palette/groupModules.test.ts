import { describe, expect, it } from "vitest";
import { module } from "../store/testing";
import { groupModules } from "./groupModules";

const catalogue = [
  { ...module("split", [["dataset", "DataFrame"]], [["train", "DataFrame"]], "Split Data"), category: "Data transformation" },
  { ...module("load", [], [["dataset", "DataFrame"]], "Import Data"), category: "Data input" },
  { ...module("train", [["model", "UntrainedModel"]], [["model", "Model"]], "Train Model"), category: "Training" },
  { ...module("old", [], [], "Old Module"), category: "Training", disabled: true },
];

describe("groupModules", () => {
  it("groups enabled modules by category, sorted", () => {
    const groups = groupModules(catalogue);
    expect(groups.map((g) => g.category)).toEqual(["Data input", "Data transformation", "Training"]);
    expect(groups.flatMap((g) => g.modules.map((m) => m.key))).not.toContain("old");
  });

  it("filters by every word of the search, in label, description or port types", () => {
    expect(groupModules(catalogue, "split").flatMap((g) => g.modules.map((m) => m.key))).toEqual(["split"]);
    expect(groupModules(catalogue, "untrainedmodel").flatMap((g) => g.modules.map((m) => m.key))).toEqual(["train"]);
    expect(groupModules(catalogue, "data import").flatMap((g) => g.modules.map((m) => m.key))).toEqual(["load"]);
    expect(groupModules(catalogue, "nothing like this")).toEqual([]);
  });
});
