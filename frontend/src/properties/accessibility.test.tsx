import { json, serve } from "./testing/mockFetch";
import "./testing/jsdomShims";
import { afterEach, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import axe from "axe-core";
import { moduleWith, param, renderPanel, wrapper } from "./testing/harness";
import { ParametersPanel } from "./ParametersPanel";
import { SubmitDialog } from "../submit/SubmitDialog";

afterEach(cleanup);

async function seriousViolations(root: Element) {
  const result = await axe.run(root, { rules: { "color-contrast": { enabled: false } } });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const everyKind = moduleWith([
  param("seed", "int", { label: "Seed", min: 0, required: true, help: "Random seed." }),
  param("fraction", "float", { label: "Fraction", min: 0, max: 1, default: 0.5 }),
  param("shuffle", "bool", { label: "Shuffle", default: true }),
  param("mode", "choice", { label: "Mode", choices: ["a", "b"], default: "a" }),
  param("note", "text", { label: "Note" }),
  param("script", "code", { label: "Script", default: "x = 1\n" }),
  param("dataset", "dataset", { label: "Dataset" }),
  param("columns", "columns", { label: "Columns", port: "data", multiple: true }),
  param("label", "columns", { label: "Label", port: "data", multiple: false }),
  param("bound", "float", { label: "Bound" }),
]);

it("the properties panel with every kind has no serious accessibility violation", async () => {
  serve(() => json({ count: 0, next: null, previous: null, results: [] }));
  const { container } = renderPanel(everyKind, {
    workspaceSlug: "lab",
    inputSchemas: { data: [{ name: "a", dtype: "int" }, { name: "b", dtype: "string" }] },
    pipelineParameters: [{ name: "p", kind: "float" }],
    node: { id: "n1", module: "test_module", target: "gone", params: { columns: ["a"], bound: { $param: "p" } } },
    errors: [{ code: "bad_param", message: "bad", node: "n1", param: "seed" }, { code: "x", message: "node problem", node: "n1" }],
  });
  await screen.findByText(/No dataset is registered/);
  expect(await seriousViolations(container)).toEqual([]);
}, 30_000);

it("the parameters panel has no serious accessibility violation", async () => {
  const { container } = render(
    <ParametersPanel parameters={[{ name: "a", kind: "float", min: 0 }, { name: "m", kind: "choice", choices: ["x"] }]}
      errors={[]} onChange={() => {}} />,
  );
  expect(await seriousViolations(container)).toEqual([]);
}, 30_000);

it("the submit dialog has no serious accessibility violation", async () => {
  serve(({ url }) =>
    url.pathname.endsWith("/plan/") || url.pathname === "/api/v1/workspaces/" ? json([]) : json({ results: [] }),
  );
  const { container } = render(
    <SubmitDialog draftId={1} open workspaceSlug="lab" onClose={() => {}} onPlan={() => {}} onSubmitted={() => {}}
      document={{ nodes: [], parameters: [{ name: "n", kind: "int", default: 1 }, { name: "b", kind: "bool" }] }} />,
    { wrapper },
  );
  expect(await seriousViolations(container)).toEqual([]);
}, 30_000);
