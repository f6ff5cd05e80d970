import { callsTo, json, serve, type Call } from "../properties/testing/mockFetch";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, configure, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import type { PipelineDocument } from "../api/types";
import { wrapper } from "../properties/testing/harness";
import { SubmitDialog, type PlanMark } from "./SubmitDialog";

afterEach(cleanup);
configure({ asyncUtilTimeout: 4000 }); // a debounced plan on a busy machine

const document: PipelineDocument = {
  name: "Iris",
  parameters: [
    { name: "fraction", kind: "float", default: 0.7, min: 0, max: 1, help: "Share of training rows." },
    { name: "mode", kind: "choice", choices: ["mean", "median"], default: "mean" },
  ],
  nodes: [
    { id: "load", module: "import_data", label: "Load iris" },
    { id: "split", module: "split_data" },
  ],
};

const planItems = (params: Record<string, unknown>) => [
  { node: "load", module: "import_data", version: "1", action: "reuse", reason: "identical step ran in run 4; its outputs are reused", cache_key: "k1" },
  { node: "split", module: "split_data", version: "1", action: "run", reason: `no earlier run had these parameters (${JSON.stringify(params)})`, cache_key: "k2" },
];

type Handler = (call: Call) => Response | undefined;

function serveServer(submit: Handler = () => json({ run: { id: 42, status: "pending", links: {} }, version: {} }, 201)) {
  serve(
    ({ url }) => (url.pathname === "/api/v1/experiments/" ? json({ results: [{ name: "baseline", runs: 3, last_run_at: null }] }) : undefined),
    ({ method, url, body }) =>
      method === "POST" && url.pathname === "/api/v1/drafts/9/plan/"
        ? json(planItems((body as { params: Record<string, unknown> }).params))
        : undefined,
    (call) => (call.method === "POST" && call.url.pathname === "/api/v1/drafts/9/submit/" ? submit(call) : undefined),
  );
}

function renderDialog() {
  const onPlan = vi.fn<(plan: PlanMark[] | null) => void>();
  const onSubmitted = vi.fn<(runId: number) => void>();
  const onClose = vi.fn();
  function Parent() {
    const [open, setOpen] = useState(true);
    return (
      <>
        <button onClick={() => setOpen(true)}>Submit…</button>
        <SubmitDialog draftId={9} document={document} open={open} workspaceSlug="lab" onPlan={onPlan}
          onSubmitted={onSubmitted} onClose={() => { onClose(); setOpen(false); }} />
      </>
    );
  }
  render(<Parent />, { wrapper });
  return { onPlan, onSubmitted, onClose };
}

const plans = () => callsTo("POST", "/api/v1/drafts/9/plan/");

describe("the submit dialog", () => {
  it("is a labelled modal dialog with the experiment field focused and values prefilled with defaults", async () => {
    serveServer();
    renderDialog();
    const dialog = screen.getByRole("dialog", { name: "Submit pipeline" });
    expect(dialog).toHaveAttribute("aria-modal", "true");
    expect(screen.getByLabelText("Experiment")).toHaveFocus();
    expect(screen.getByLabelText("fraction")).toHaveValue("0.7");
    expect(screen.getByLabelText("fraction")).toHaveAccessibleDescription(expect.stringContaining("Share of training rows."));
    expect(screen.getByLabelText("mode")).toHaveValue("mean");
    await waitFor(() => expect(dialog.querySelector("datalist option")).toHaveAttribute("value", "baseline"));
    expect(callsTo("GET", "/api/v1/experiments/")[0].url.searchParams.get("workspace")).toBe("lab");
  });

  it("asks for the plan when opened and hands the marks to the canvas", async () => {
    serveServer();
    const { onPlan } = renderDialog();
    await waitFor(() => expect(onPlan).toHaveBeenCalled());
    expect(plans()[0].body).toEqual({ params: { fraction: 0.7, mode: "mean" }, force: false });
    expect(onPlan).toHaveBeenLastCalledWith([
      { node_id: "load", action: "reuse", reason: "identical step ran in run 4; its outputs are reused" },
      { node_id: "split", action: "run", reason: expect.stringContaining("no earlier run") },
    ]);
    expect(screen.getByRole("status")).toHaveTextContent("1 to run, 1 reused.");
    const items = within(screen.getByRole("list", { name: "Nodes of the plan" })).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent("Load iris (load) reused: identical step ran in run 4");
  });

  it("plans again, once, when the values settle, and not while a value is invalid", async () => {
    serveServer();
    const user = userEvent.setup();
    const { onPlan } = renderDialog();
    await waitFor(() => expect(plans()).toHaveLength(1));
    const fraction = screen.getByLabelText("fraction");
    await user.clear(fraction);
    await user.type(fraction, "1.5");
    expect(fraction).toHaveAccessibleDescription(expect.stringContaining("Must be at most 1."));
    expect(screen.getByRole("status")).toHaveTextContent("Fix the values");
    expect(onPlan).toHaveBeenLastCalledWith(null); // stale marks leave the canvas
    await new Promise((r) => setTimeout(r, 600));
    expect(plans()).toHaveLength(1);
    await user.clear(fraction);
    await user.type(fraction, "0.55");
    await user.click(screen.getByLabelText("Force rerun"));
    await waitFor(() => expect(plans()).toHaveLength(2));
    expect(plans()[1].body).toEqual({ params: { fraction: 0.55, mode: "mean" }, force: true });
    await waitFor(() => expect(onPlan.mock.lastCall?.[0]).not.toBeNull());
  });

  it("submits and reports the new run", async () => {
    serveServer();
    const user = userEvent.setup();
    const { onSubmitted } = renderDialog();
    await user.type(screen.getByLabelText("Experiment"), "tuning");
    await user.selectOptions(screen.getByLabelText("mode"), "median");
    await user.click(screen.getByRole("button", { name: "Submit" }));
    await waitFor(() => expect(onSubmitted).toHaveBeenCalledWith(42));
    expect(callsTo("POST", "/api/v1/drafts/9/submit/")[0].body).toEqual({
      params: { fraction: 0.7, mode: "median" }, force: false, experiment: "tuning",
    });
  });

  it("shows the server's errors where they belong and keeps everything entered", async () => {
    serveServer(() =>
      json({ errors: [
        { code: "invalid", message: "experiment: an experiment name is 1-64 characters", field: "experiment" },
        { code: "bad_parameter", message: "pipeline parameter 'fraction' must be at most 0.9, got 0.8", param: "fraction" },
        { code: "missing_input", message: "node 'split' needs an input on port 'data'", node: "split", port: "data" },
      ] }, 400),
    );
    const user = userEvent.setup();
    const { onSubmitted } = renderDialog();
    await user.type(screen.getByLabelText("Experiment"), "tuning");
    await user.clear(screen.getByLabelText("fraction"));
    await user.type(screen.getByLabelText("fraction"), "0.8");
    await user.click(screen.getByRole("button", { name: "Submit" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("node 'split' needs an input on port 'data'");
    expect(screen.getByLabelText("Experiment")).toHaveAccessibleDescription(expect.stringContaining("an experiment name is"));
    expect(screen.getByLabelText("fraction")).toHaveAccessibleDescription(expect.stringContaining("must be at most 0.9"));
    expect(screen.getByLabelText("Experiment")).toHaveValue("tuning");
    expect(screen.getByLabelText("fraction")).toHaveValue("0.8");
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    expect(onSubmitted).not.toHaveBeenCalled();
  });

  it("does not submit invalid values or experiment names", async () => {
    serveServer();
    const user = userEvent.setup();
    renderDialog();
    await user.type(screen.getByLabelText("Experiment"), " bad/name");
    expect(screen.getByLabelText("Experiment")).toHaveAccessibleDescription(expect.stringContaining("An experiment name is"));
    await user.click(screen.getByRole("button", { name: "Submit" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Fix the values marked above first.");
    expect(callsTo("POST", "/api/v1/drafts/9/submit/")).toHaveLength(0);
  });

  it("closes on Escape, clears the canvas marks and gives focus back", async () => {
    serveServer();
    const user = userEvent.setup();
    const { onPlan, onClose } = renderDialog();
    await waitFor(() => expect(onPlan).toHaveBeenCalledWith(expect.any(Array)));
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(onPlan).toHaveBeenLastCalledWith(null);
    const opener = screen.getByRole("button", { name: "Submit…" });
    await user.click(opener);
    expect(screen.getByLabelText("Experiment")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(opener).toHaveFocus();
  });

  it("keeps Tab inside the dialog", async () => {
    serveServer();
    const user = userEvent.setup();
    renderDialog();
    const submit = screen.getByRole("button", { name: "Submit" });
    submit.focus();
    await user.tab();
    expect(screen.getByLabelText("Experiment")).toHaveFocus();
    await user.tab({ shift: true });
    expect(submit).toHaveFocus();
  });
});
