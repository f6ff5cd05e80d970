import "../testing/mockFetch";
import "../testing/jsdomShims";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { moduleWith, param, renderPanel } from "../testing/harness";
import { parseSpaced, parseValueList, rangeValues } from "./RangeEditor";

afterEach(cleanup);

const trees = param("trees_range", "range", {
  label: "Range for number of trees", item: "int", min: 1, max: 1000, required: true, default: { values: [1, 8, 32] },
});
const module = moduleWith([trees]);

describe("a range parameter of whole numbers", () => {
  it("shows its default values as a list, and what a sweep tries", () => {
    renderPanel(module);
    expect(screen.getByRole("group", { name: /Range for number of trees/ })).toBeInTheDocument();
    expect(screen.getByLabelText("Values, separated by semicolons")).toHaveValue("1; 8; 32");
    expect(screen.getByText(/Tries 1, 8, 32\. Each value from 1 to 1000\./)).toBeInTheDocument();
  });

  it("commits typed values once, on leaving the field", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const input = screen.getByLabelText("Values, separated by semicolons");
    await user.clear(input);
    await user.type(input, "4; 16,64");
    await user.tab();
    expect(patches).toEqual([{ params: { trees_range: { values: [4, 16, 64] } } }]);
  });

  it.each([
    ["4; 1.5", "Value 2: Enter a whole number."],
    ["5; 5", "5 is listed twice."],
    ["5; 2000", "Value 2: Must be at most 1000."],
    ["", "Enter at least one value."],
  ])("keeps %j in the field with a message and commits nothing", async (text, message) => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    const input = screen.getByLabelText("Values, separated by semicolons");
    await user.clear(input);
    if (text) await user.type(input, text);
    await user.tab();
    expect(patches).toEqual([]);
    expect(input).toHaveAccessibleDescription(expect.stringContaining(message));
    expect(input).toHaveAttribute("aria-invalid", "true");
  });

  it("takes evenly spaced values: minimum, maximum, count and a log scale", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    await user.click(screen.getByRole("radio", { name: "Evenly spaced" }));
    expect(screen.getByLabelText("Minimum")).toHaveValue("1"); // from the listed values
    expect(screen.getByLabelText("Count")).toHaveValue("3");
    await user.clear(screen.getByLabelText("Maximum"));
    await user.type(screen.getByLabelText("Maximum"), "100");
    await user.tab();
    expect(patches).toEqual([{ params: { trees_range: { min: 1, max: 100, count: 3, scale: "linear" } } }]);
    expect(screen.getByText(/Tries 1, 51, 100\./)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Scale"), "log");
    expect(patches.at(-1)).toEqual({ params: { trees_range: { min: 1, max: 100, count: 3, scale: "log" } } });
    expect(screen.getByText(/Tries 1, 10, 100\./)).toBeInTheDocument();
  });

  it("refuses a minimum above the maximum", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, {
      node: { id: "n1", module: "test_module", params: { trees_range: { min: 2, max: 10, count: 5, scale: "linear" } } },
    });
    expect(screen.getByRole("radio", { name: "Evenly spaced" })).toBeChecked();
    await user.clear(screen.getByLabelText("Minimum"));
    await user.type(screen.getByLabelText("Minimum"), "20");
    await user.tab();
    expect(patches).toEqual([]);
    expect(screen.getByLabelText("Minimum")).toHaveAccessibleDescription(
      expect.stringContaining("The minimum must not exceed the maximum."));
  });
});

describe("a range parameter of choices", () => {
  it("is a checkbox per choice, committing the checked ones in their order", async () => {
    const user = userEvent.setup();
    const losses = param("loss_range", "range", { label: "Losses", item: "choice", choices: ["hinge", "log_loss", "huber"],
      default: { values: ["hinge"] } });
    const { patches } = renderPanel(moduleWith([losses]));
    expect(screen.getByRole("checkbox", { name: "hinge" })).toBeChecked();
    await user.click(screen.getByRole("checkbox", { name: "huber" }));
    expect(patches).toEqual([{ params: { loss_range: { values: ["hinge", "huber"] } } }]);
    await user.click(screen.getByRole("checkbox", { name: "hinge" }));
    await user.click(screen.getByRole("checkbox", { name: "huber" }));
    expect(patches).toHaveLength(2);
    expect(screen.getByText("Choose at least one value.")).toBeInTheDocument();
  });
});

describe("range values as the server expands them", () => {
  it("spaces numbers linearly or geometrically, whole numbers rounded without repeats", () => {
    expect(rangeValues({ min: 0.1, max: 0.9, count: 5, scale: "linear" }, false)).toEqual([0.1, 0.3, 0.5, 0.7, 0.9]);
    expect(rangeValues({ min: 1, max: 1000, count: 4, scale: "log" }, true)).toEqual([1, 10, 100, 1000]);
    expect(rangeValues({ min: 1, max: 3, count: 10, scale: "linear" }, true)).toEqual([1, 2, 3]);
    expect(rangeValues({ values: [3, 1] }, true)).toEqual([3, 1]);
  });

  it("checks bounds, counts and scales", () => {
    const rule = { integer: false, min: 0, max: 1 };
    expect(parseSpaced({ min: "0", max: "1", count: "101", scale: "linear" }, rule)).toEqual({
      ok: false, message: "Count: Must be at most 100." });
    expect(parseSpaced({ min: "0", max: "1", count: "3", scale: "log" }, rule)).toEqual({
      ok: false, message: "A log scale needs a minimum above 0." });
    expect(parseSpaced({ min: "0.2", max: "0.5", count: "1", scale: "linear" }, rule).ok).toBe(false);
    expect(parseValueList(Array.from({ length: 101 }, (_, i) => String(i / 200)).join(";"), rule)).toEqual({
      ok: false, message: "Enter at most 100 values." });
  });
});

it("has no serious accessibility violation, listed, spaced or as choices", async () => {
  const user = userEvent.setup();
  const losses = param("loss_range", "range", { label: "Losses", item: "choice", choices: ["hinge", "log_loss"] });
  const { container } = renderPanel(moduleWith([trees, losses]), {
    errors: [{ code: "bad_param", message: "bad range", node: "n1", param: "trees_range" }],
  });
  const serious = async () => (await axe.run(container, { rules: { "color-contrast": { enabled: false } } })).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
  expect(await serious()).toEqual([]);
  await user.click(screen.getByRole("radio", { name: "Evenly spaced" }));
  expect(await serious()).toEqual([]);
}, 30_000);
