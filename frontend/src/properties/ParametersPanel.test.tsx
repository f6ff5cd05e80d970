import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import type { GraphError, PipelineParameter } from "../api/types";
import { ParametersPanel } from "./ParametersPanel";
import { parseValue, valueProblem, withKind } from "./parameterRules";

afterEach(cleanup);

function renderPanel(initial: PipelineParameter[], errors: GraphError[] = []) {
  const changes: PipelineParameter[][] = [];
  const renames: [string, string][] = [];
  function Parent() {
    const [parameters, setParameters] = useState(initial);
    return (
      <ParametersPanel parameters={parameters} errors={errors}
        onChange={(next) => { changes.push(next); setParameters(next); }}
        onRename={(from, to) => renames.push([from, to])} />
    );
  }
  render(<Parent />);
  return { changes, renames };
}

const row = (name: string) => screen.getByRole("group", { name: `Parameter ${name}` });

describe("the pipeline parameters panel", () => {
  it("adds a parameter with a fresh name and focuses its name", async () => {
    const user = userEvent.setup();
    const { changes } = renderPanel([{ name: "param_1", kind: "int" }]);
    await user.click(screen.getByRole("button", { name: "Add parameter" }));
    expect(changes).toEqual([[{ name: "param_1", kind: "int" }, { name: "param_2", kind: "float" }]]);
    expect(within(row("param_2")).getByLabelText(/^Name/)).toHaveFocus();
  });

  it("refuses a duplicate name with a message, keeping what was typed", async () => {
    const user = userEvent.setup();
    const { changes } = renderPanel([{ name: "rate", kind: "float" }, { name: "seed", kind: "int" }]);
    const name = within(row("seed")).getByLabelText(/^Name/);
    await user.clear(name);
    await user.type(name, "rate");
    await user.tab();
    expect(changes).toEqual([]);
    expect(name).toHaveValue("rate");
    expect(name).toHaveAccessibleDescription(expect.stringContaining("A parameter named rate already exists"));
  });

  it("refuses names outside the strict name pattern", async () => {
    const user = userEvent.setup();
    const { changes } = renderPanel([{ name: "rate", kind: "float" }]);
    const name = within(row("rate")).getByLabelText(/^Name/);
    for (const bad of ["1rate", "learning rate", "x".repeat(65)]) {
      await user.clear(name);
      await user.type(name, bad);
      await user.tab();
      expect(name).toHaveAccessibleDescription(expect.stringContaining("is not a valid name"));
    }
    expect(changes).toEqual([]);
  });

  it("renames, and tells the owner of the bindings", async () => {
    const user = userEvent.setup();
    const { changes, renames } = renderPanel([{ name: "rate", kind: "float", default: 0.1 }]);
    const name = within(row("rate")).getByLabelText(/^Name/);
    await user.clear(name);
    await user.type(name, "learning.rate{Enter}");
    expect(changes).toEqual([[{ name: "learning.rate", kind: "float", default: 0.1 }]]);
    expect(renames).toEqual([["rate", "learning.rate"]]);
  });

  it("edits the range and default of a number, checking the default against the range", async () => {
    const user = userEvent.setup();
    const { changes } = renderPanel([{ name: "fraction", kind: "float" }]);
    const r = row("fraction");
    await user.type(within(r).getByLabelText("Minimum"), "0{Enter}");
    await user.type(within(r).getByLabelText("Maximum"), "1{Enter}");
    await user.type(within(r).getByLabelText("Default"), "2{Enter}");
    expect(within(r).getByLabelText("Default")).toHaveAccessibleDescription(expect.stringContaining("Must be at most 1."));
    await user.clear(within(r).getByLabelText("Default"));
    await user.type(within(r).getByLabelText("Default"), "0.5{Enter}");
    expect(changes.at(-1)).toEqual([{ name: "fraction", kind: "float", min: 0, max: 1, default: 0.5 }]);
    expect(changes).toHaveLength(3);
  });

  it("declares choices for a choice parameter and picks its default among them", async () => {
    const user = userEvent.setup();
    const { changes } = renderPanel([{ name: "mode", kind: "text", default: "mean" }]);
    await user.selectOptions(within(row("mode")).getByLabelText("Kind"), "choice");
    expect(changes.at(-1)).toEqual([{ name: "mode", kind: "choice", choices: [] }]);
    await user.type(within(row("mode")).getByLabelText("Choices"), "mean{Enter}median");
    await user.tab();
    await user.selectOptions(within(row("mode")).getByLabelText("Default"), "median");
    expect(changes.at(-1)).toEqual([{ name: "mode", kind: "choice", choices: ["mean", "median"], default: "median" }]);
  });

  it("removes a parameter", async () => {
    const user = userEvent.setup();
    const { changes } = renderPanel([{ name: "a" }, { name: "b" }]);
    await user.click(screen.getByRole("button", { name: "Remove parameter a" }));
    expect(changes).toEqual([[{ name: "b" }]]);
  });

  it("shows the server's errors about a parameter in its row", () => {
    renderPanel([{ name: "rate", kind: "float", default: 5, max: 1 }], [
      { code: "bad_parameter", message: "pipeline parameter 'rate' must be at most 1, got 5", param: "rate" },
    ]);
    expect(row("rate")).toHaveAccessibleDescription(expect.stringContaining("must be at most 1, got 5"));
  });
});

describe("pipeline parameter values", () => {
  it("are read by kind as the server checks them", () => {
    expect(parseValue({ name: "n", kind: "int", min: 1 }, "0")).toEqual({ ok: false, message: "Must be at least 1." });
    expect(parseValue({ name: "n", kind: "int" }, "3")).toEqual({ ok: true, value: 3 });
    expect(parseValue({ name: "c", kind: "columns" }, "a, b")).toEqual({ ok: true, value: ["a", "b"] });
    expect(parseValue({ name: "d", kind: "dataset" }, "iris@2")).toEqual({ ok: true, value: { name: "iris", version: 2 } });
    expect(parseValue({ name: "d", kind: "dataset" }, "iris@0").ok).toBe(false);
    expect(parseValue({ name: "m", kind: "choice", choices: ["a"] }, "b").ok).toBe(false);
  });

  it("a kind change drops what no longer fits", () => {
    expect(withKind({ name: "x", kind: "float", min: 0, default: 0.5 }, "int")).toEqual({ name: "x", kind: "int", min: 0 });
    expect(withKind({ name: "x", kind: "int", min: 0, default: 2 }, "float")).toEqual({ name: "x", kind: "float", min: 0, default: 2 });
    expect(valueProblem({ name: "x", kind: "bool" }, "yes")).toBe("Must be true or false.");
  });
});
