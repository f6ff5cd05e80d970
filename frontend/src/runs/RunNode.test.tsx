import { act, render, screen } from "@testing-library/react";
import { ReactFlowProvider, type NodeProps } from "@xyflow/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { ModuleSpec, PipelineDocument } from "../api/types";
import { RunNode } from "./RunNode";
import { RunStoreContext } from "./RunContext";
import { buildRunGraph, modulesByKey, type RunFlowNode } from "./graph";
import { createRunLive } from "./socket";
import type { RunEvent } from "./types";

const SPLIT: ModuleSpec = {
  key: "split_data", version: "1", label: "Split Data", category: "Data", description: "",
  inputs: [{ name: "data", type: "DataFrame", label: "Dataset", optional: false, help: "" }],
  outputs: [
    { name: "train", type: "DataFrame", label: "Train", optional: false, help: "" },
    { name: "test", type: "DataFrame", label: "Test", optional: false, help: "" },
  ],
  params: [], user_code: false, disabled: false, infers_schema: true,
};

const DOC: PipelineDocument = {
  nodes: [
    { id: "load", module: "import_data", position: { x: 10, y: 20 } },
    { id: "split", module: "split_data", position: { x: 300, y: 20 }, label: "Hold out", comment: "80/20" },
  ],
  edges: [{ source: "load", source_port: "data", target: "split", target_port: "data" }],
};

function setup() {
  const live = createRunLive({
    runId: 5,
    fetchEventsAfter: () => Promise.resolve({ results: [], next: null }),
    fetchSnapshot: () => Promise.reject(new Error("not in this test")),
  });
  const graph = buildRunGraph(DOC, modulesByKey([SPLIT]));
  const node = graph.nodes.find((n) => n.id === "split")!;
  const props = { id: node.id, data: node.data, selected: false, type: "run", dragging: false, zIndex: 0 } as unknown as NodeProps<RunFlowNode>;
  const view = render(
    <MemoryRouter>
      <ReactFlowProvider>
        <RunStoreContext.Provider value={live.store}>
          <RunNode {...props} />
        </RunStoreContext.Provider>
      </ReactFlowProvider>
    </MemoryRouter>,
  );
  const element = () => view.container.querySelector("[data-node-id='split']")!;
  const send = (...events: Partial<RunEvent>[]) =>
    act(() => live.dispatch({ type: "events", events: events.map((e) => ({ run: 5, at: "2026-01-01T00:00:00Z", ...e }) as RunEvent) }));
  return { graph, element, send };
}

describe("a node of the run graph", () => {
  it("lays the pipeline out where the user drew it, with ports from the catalogue or the edges", () => {
    const { graph } = setup();
    expect(graph.nodes.map((n) => n.position)).toEqual([{ x: 10, y: 20 }, { x: 300, y: 20 }]);
    expect(graph.nodes[0].data.outputs.map((p) => p.name)).toEqual(["data"]); // unknown module: from its edge
    expect(graph.edges[0]).toMatchObject({ source: "load", sourceHandle: "data", target: "split", targetHandle: "data" });
  });

  it("lays out a pipeline drawn without positions in columns by depth", () => {
    const bare = { nodes: DOC.nodes.map(({ position: _, ...n }) => n), edges: DOC.edges };
    const { nodes } = buildRunGraph(bare, new Map());
    expect(nodes[1].position.x).toBeGreaterThan(nodes[0].position.x);
  });

  it("names its ports and shows its label, module and comment", () => {
    setup();
    expect(screen.getByRole("img", { name: "input Dataset of Hold out" })).toHaveAttribute("data-port-type", "DataFrame");
    expect(screen.getByRole("img", { name: "output Test of Hold out" })).toBeInTheDocument();
    expect(screen.getByText("Split Data")).toBeInTheDocument();
    expect(screen.getByText("80/20")).toBeInTheDocument();
  });

  it("follows the step's status, progress and duration as events arrive", () => {
    const { element, send } = setup();
    expect(element()).toHaveAttribute("data-status", "waiting");
    send({ type: "step.status", seq: 1, node: "split", status: "running" });
    expect(element()).toHaveAttribute("data-status", "running");
    expect(screen.getByText("Running")).toBeInTheDocument();
    send({ type: "step.progress", seq: 2, node: "split", fraction: 0.4, message: "splitting" });
    expect(screen.getByRole("progressbar", { name: "Progress of Hold out" })).toHaveAttribute("aria-valuenow", "40");
    send({ type: "step.status", seq: 3, node: "split", status: "failed", error: "no rows", duration: 2.5 });
    expect(element()).toHaveAttribute("data-status", "failed");
    expect(screen.getByText("no rows")).toBeInTheDocument();
    expect(screen.getByText("2.5 s")).toBeInTheDocument();
  });

  it("links a reused step to the run it came from", () => {
    const { element, send } = setup();
    send({ type: "step.status", seq: 1, node: "split", status: "cached", duration: 0, reused_from_run: 3 });
    expect(element()).toHaveAttribute("data-status", "cached");
    expect(screen.getByRole("link", { name: /reused the output of run 3/ })).toHaveAttribute("href", "/runs/3");
  });
});
