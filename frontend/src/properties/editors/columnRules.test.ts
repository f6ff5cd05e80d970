import { describe, expect, it } from "vitest";
import { paramSummary } from "../../store/paramSummary";
import { moduleWith, param } from "../testing/harness";
import { asColumnRules, resolveRules, ruleProblem, summarizeRules, type ColumnRuleSet } from "./columnRules";

const schema = [
  { name: "age", dtype: "int" },
  { name: "fare", dtype: "float" },
  { name: "sex", dtype: "string" },
  { name: "survived", dtype: "int", role: "label" },
];
const allExcept = (rules: ColumnRuleSet["rules"]): ColumnRuleSet => ({ rules: [{ action: "include", by: "all" }, ...rules] });

describe("column rules", () => {
  it("resolve in order, in the schema's order, as the server does (modules_catalog/columns.py)", () => {
    expect(resolveRules(allExcept([{ action: "exclude", by: "roles", roles: ["label"] }]), schema)).toEqual(["age", "fare", "sex"]);
    expect(resolveRules(allExcept([{ action: "exclude", by: "types", types: ["string"] }]), schema)).toEqual(["age", "fare", "survived"]);
    expect(resolveRules({ rules: [
      { action: "include", by: "names", names: ["sex", "fare"] },
      { action: "include", by: "roles", roles: [""] },
      { action: "exclude", by: "types", types: ["float"] },
    ] }, schema)).toEqual(["age", "sex"]);
  });

  it("say what keeps them from being saved", () => {
    expect(ruleProblem({ rules: [] })).toMatch(/Begin with all columns/);
    expect(ruleProblem(allExcept([{ action: "exclude", by: "types", types: [] }]))).toBe("Rule 1 needs at least one type.");
    expect(ruleProblem({ rules: [{ action: "exclude", by: "names", names: ["age"] }] })).toMatch(/only exclude/);
    expect(ruleProblem(allExcept([{ action: "exclude", by: "names", names: ["age"] }]))).toBeNull();
  });

  it("are told apart from a list of names, and summarized on the canvas node", () => {
    expect(asColumnRules(["age"])).toBeNull();
    expect(asColumnRules({ $param: "cols" })).toBeNull();
    const rules = allExcept([{ action: "exclude", by: "names", names: ["sex"] }]);
    expect(summarizeRules(rules)).toBe("all columns; exclude names sex");
    const module = moduleWith([param("columns", "columns", { label: "Columns", port: "data" })]);
    expect(paramSummary(module, { id: "n", module: "test_module", params: { columns: rules } })).toEqual([
      "Columns: all columns; exclude names sex",
    ]);
  });
});
