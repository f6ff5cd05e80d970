import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { ResubmitDialog } from "./ResubmitDialog";
import type { PipelineParameter } from "../api/types";

const PARAMS: PipelineParameter[] = [
  { name: "fraction", kind: "float", default: 0.7, min: 0.05, max: 0.95 },
  { name: "model", kind: "choice", choices: ["tree", "linear"], default: "tree" },
];

function open(submit = vi.fn(async () => 42)) {
  const onSubmitted = vi.fn();
  render(
    <ResubmitDialog versionId={9} parameters={PARAMS} values={{ fraction: 0.6 }} experiment="baseline"
      onClose={() => {}} onSubmitted={onSubmitted} submit={submit} />,
  );
  return { submit, onSubmitted };
}

describe("re-submit with changes", () => {
  it("is a named dialog starting from the run's values", () => {
    open();
    expect(screen.getByRole("dialog", { name: "Re-submit with changes" })).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "fraction" })).toHaveValue("0.6");
    expect(screen.getByRole("combobox", { name: "model" })).toHaveValue("tree");
    expect(screen.getByRole("textbox", { name: "Experiment (optional)" })).toHaveValue("baseline");
  });

  it("refuses a value out of range, saying why, and sends nothing", async () => {
    const { submit } = open();
    const field = screen.getByRole("textbox", { name: "fraction" });
    await userEvent.clear(field);
    await userEvent.type(field, "1.5");
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveAccessibleDescription(/Must be at most 0.95/);
    await userEvent.click(screen.getByRole("button", { name: "Submit run" }));
    expect(submit).not.toHaveBeenCalled();
  });

  it("submits typed values, the experiment and force rerun, then opens the new run", async () => {
    const { submit, onSubmitted } = open();
    const field = screen.getByRole("textbox", { name: "fraction" });
    await userEvent.clear(field);
    await userEvent.type(field, "0.5");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "model" }), "linear");
    await userEvent.click(screen.getByRole("checkbox", { name: "Force rerun (reuse nothing)" }));
    await userEvent.click(screen.getByRole("button", { name: "Submit run" }));
    expect(submit).toHaveBeenCalledWith(9, { params: { fraction: 0.5, model: "linear" }, force: true, experiment: "baseline" });
    expect(onSubmitted).toHaveBeenCalledWith(42);
  });

  it("shows the server's reasons when it refuses", async () => {
    const refused = vi.fn(async () => {
      throw new ApiError(400, { errors: [{ code: "bad_parameter", message: "must be at most 0.9", param: "fraction" }] });
    });
    open(refused);
    await userEvent.click(screen.getByRole("button", { name: "Submit run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("fraction: must be at most 0.9");
  });
});
