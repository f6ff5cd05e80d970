import "./testing/mockFetch";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { moduleWith, param, renderPanel } from "./testing/harness";

afterEach(cleanup);

function fieldOf(label: RegExp | string) {
  return screen.getByLabelText(label, { selector: "input, select, textarea" });
}

describe("number parameters", () => {
  const module = moduleWith([
    param("fraction", "float", { label: "Fraction", min: 0, max: 1, default: 0.7, required: true, help: "Share of rows." }),
    param("seed", "int", { label: "Seed", min: 0, default: 0 }),
  ]);

  it("shows the default, the range and the help text, and marks the field required", () => {
    renderPanel(module);
    const input = fieldOf(/^Fraction/);
    expect(input).toHaveValue("0.7");
    expect(input).toHaveAccessibleDescription(expect.stringContaining("Share of rows."));
    expect(input).toHaveAccessibleDescription(expect.stringContaining("from 0 to 1"));
    expect(screen.getByText("(required)", { exact: false })).toBeInTheDocument();
  });

  it("refuses a value outside the range with an inline message and commits nothing", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const input = fieldOf(/^Fraction/);
    await user.clear(input);
    await user.type(input, "1.5");
    await user.tab();
    expect(patches).toEqual([]);
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(expect.stringContaining("Must be at most 1."));
    expect(input).toHaveValue("1.5"); // what was typed is kept
  });

  it("commits one patch per edit, on blur, when the number is valid", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const input = fieldOf(/^Fraction/);
    await user.clear(input);
    await user.type(input, "0.25");
    expect(patches).toEqual([]);
    await user.tab();
    expect(patches).toEqual([{ params: { fraction: 0.25 } }]);
  });

  it("wants whole numbers for int, finite numbers for float, and decimal notation", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const seed = fieldOf(/^Seed/);
    await user.clear(seed);
    await user.type(seed, "2.5{Enter}");
    expect(seed).toHaveAccessibleDescription(expect.stringContaining("Enter a whole number."));
    await user.clear(seed);
    await user.type(seed, "-1{Enter}");
    expect(seed).toHaveAccessibleDescription(expect.stringContaining("Must be at least 0."));
    const fraction = fieldOf(/^Fraction/);
    await user.clear(fraction);
    await user.type(fraction, "1e999{Enter}");
    expect(fraction).toHaveAccessibleDescription(expect.stringContaining("must be finite"));
    await user.clear(fraction);
    await user.type(fraction, "0x1{Enter}");
    expect(fraction).toHaveAccessibleDescription(expect.stringContaining("Enter a number."));
    expect(patches).toEqual([]);
  });

  it("emptying a field removes the value so the default applies", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { node: { id: "n1", module: "test_module", params: { seed: 5 } } });
    await user.clear(fieldOf(/^Seed/));
    await user.tab();
    expect(patches).toEqual([{ params: {} }]);
    expect(fieldOf(/^Seed/)).toHaveValue("0");
  });
});

describe("choices, booleans and text", () => {
  const module = moduleWith([
    param("mode", "choice", { label: "Mode", choices: ["mean", "median"], default: "mean", required: true }),
    param("shuffle", "bool", { label: "Shuffle rows", default: true }),
    param("replacement", "text", { label: "Replacement value" }),
  ]);

  it("a choice is a select of the declared choices", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const select = fieldOf(/^Mode/);
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual(["mean", "median"]);
    await user.selectOptions(select, "median");
    expect(patches).toEqual([{ params: { mode: "median" } }]);
  });

  it("a boolean is a checkbox", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const box = screen.getByRole("checkbox", { name: /^Shuffle rows/ });
    expect(box).toBeChecked();
    await user.click(box);
    expect(patches).toEqual([{ params: { shuffle: false } }]);
  });

  it("text typed in one go is one edit", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    await user.type(fieldOf(/^Replacement value/), "zero");
    await user.tab();
    expect(patches).toEqual([{ params: { replacement: "zero" } }]);
  });
});

describe("bindings to pipeline parameters", () => {
  const module = moduleWith([param("C", "float", { label: "Strength", default: 1, min: 0 })]);
  const pipelineParameters = [
    { name: "label", kind: "text" },
    { name: "strength", kind: "float", default: 0.5 },
  ];

  it("binds a parameter to a pipeline parameter of its kind and shows the binding", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { pipelineParameters });
    await user.click(screen.getByRole("checkbox", { name: /Bind Strength to pipeline parameter/ }));
    expect(patches).toEqual([{ params: { C: { $param: "strength" } } }]);
    const select = fieldOf(/^Strength/);
    expect(select.tagName).toBe("SELECT");
    expect(select).toHaveValue("strength");
    expect(screen.getByText(/Set at submit; default 0.5/)).toBeInTheDocument();
  });

  it("unbinding restores the value held before", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, {
      pipelineParameters, node: { id: "n1", module: "test_module", params: { C: 3 } },
    });
    const toggle = screen.getByRole("checkbox", { name: /Bind Strength/ });
    await user.click(toggle);
    await user.click(toggle);
    expect(patches).toEqual([{ params: { C: { $param: "strength" } } }, { params: { C: 3 } }]);
    expect(fieldOf(/^Strength/)).toHaveValue("3");
  });

  it("says so when a binding names an undeclared parameter", () => {
    renderPanel(module, { pipelineParameters, node: { id: "n1", module: "test_module", params: { C: { $param: "gone" } } } });
    expect(screen.getByText(/Pipeline parameter gone is not declared/)).toBeInTheDocument();
  });

  it("cannot bind when no pipeline parameter is declared", () => {
    renderPanel(module);
    expect(screen.getByRole("checkbox", { name: /Bind Strength/ })).toBeDisabled();
  });
});

describe("errors and node settings", () => {
  const module = moduleWith([param("fraction", "float", { label: "Fraction", min: 0, max: 1 })]);

  it("shows a parameter's error next to its field and node errors at the top", () => {
    renderPanel(module, {
      errors: [
        { code: "bad_param", message: "'Fraction' must be at most 1, got 2", node: "n1", param: "fraction" },
        { code: "missing_input", message: "node 'n1' needs an input on port 'data'", node: "n1", port: "data" },
        { code: "missing_input", message: "another node's problem", node: "n2", port: "data" },
      ],
    });
    expect(fieldOf(/^Fraction/)).toHaveAccessibleDescription(expect.stringContaining("must be at most 1, got 2"));
    const top = screen.getByRole("alert");
    expect(top).toHaveTextContent("needs an input on port 'data'");
    expect(top).not.toHaveTextContent("must be at most 1");
    expect(screen.queryByText("another node's problem")).toBeNull();
  });

  it("a target that no longer exists shows as an error; choosing one fixes it", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { node: { id: "n1", module: "test_module", target: "gpu" }, targets: ["local", "docker"] });
    const select = fieldOf("Compute target");
    expect(select).toHaveAccessibleDescription(expect.stringContaining("Compute target gpu does not exist"));
    await user.selectOptions(select, "docker");
    expect(patches).toEqual([{ target: "docker" }]);
  });

  it("picks an environment from the workspace's, says when one no longer exists, and clears it", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, {
      node: { id: "n1", module: "test_module", environment: "gone" },
      environments: ["tiny", "tiny@1", "tiny@2"],
    });
    const select = fieldOf("Environment");
    expect(select).toHaveAccessibleDescription(expect.stringContaining("Environment gone does not exist"));
    await user.selectOptions(select, "tiny@1");
    await user.selectOptions(select, "Server packages");
    expect(patches).toEqual([{ environment: "tiny@1" }, { environment: null }]);
  });

  it("edits label, reuse, timeout and memory, refusing limits that are not above 0", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    await user.type(fieldOf("Label"), "Split{Enter}");
    await user.click(screen.getByRole("checkbox", { name: "Reuse cached results" }));
    await user.type(fieldOf("Timeout (s)"), "0{Enter}");
    expect(fieldOf("Timeout (s)")).toHaveAccessibleDescription(expect.stringContaining("Must be more than 0."));
    await user.clear(fieldOf("Timeout (s)"));
    await user.type(fieldOf("Timeout (s)"), "90.5{Enter}");
    await user.type(fieldOf("Memory (MB)"), "512.5{Enter}");
    expect(fieldOf("Memory (MB)")).toHaveAccessibleDescription(expect.stringContaining("Enter a whole number."));
    await user.clear(fieldOf("Memory (MB)"));
    await user.type(fieldOf("Memory (MB)"), "512{Enter}");
    expect(patches).toEqual([{ label: "Split" }, { reuse: false }, { timeout: 90.5 }, { memory_mb: 512 }]);
  });

  it("edits the attempts of the node's retry policy, refusing more than the server allows", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    await user.type(fieldOf("Attempts"), "11{Enter}");
    expect(fieldOf("Attempts")).toHaveAccessibleDescription(expect.stringContaining("10"));
    await user.clear(fieldOf("Attempts"));
    await user.type(fieldOf("Attempts"), "4{Enter}");
    expect(patches).toEqual([{ retry: { max_attempts: 4 } }]);
  });
});
