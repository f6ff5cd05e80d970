import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ReactFlowProvider, type NodeProps } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { DesignerStoreContext } from "../store/designerStore";
import { LOAD, SPLIT, module, openStore } from "../store/testing";
import type { DesignerNode } from "../store/types";
import { GenericNode } from "./GenericNode";
import { portColor } from "./portTypes";

function renderNode(store: ReturnType<typeof openStore>["store"], id: string, selected = false) {
  const node = store.getState().nodes.find((n) => n.id === id)!;
  const props = { id, data: node.data, selected, type: "generic", dragging: false, zIndex: 0 } as unknown as NodeProps<DesignerNode>;
  return render(
    <ReactFlowProvider>
      <DesignerStoreContext.Provider value={store}>
        <GenericNode {...props} />
      </DesignerStoreContext.Provider>
    </ReactFlowProvider>,
  );
}

describe("GenericNode", () => {
  it("draws the module's ports as named, typed, coloured handles", () => {
    const { store } = openStore();
    const id = store.getState().addNode(SPLIT, { x: 0, y: 0 });
    renderNode(store, id);
    expect(screen.getByText("Split Data")).toBeInTheDocument();
    const input = screen.getByRole("img", { name: "input dataset of Split Data" });
    expect(input).toHaveAttribute("data-port-type", "DataFrame");
    expect(input.style.background).not.toBe("");
    expect(portColor("DataFrame")).toMatch(/^#/);
    expect(screen.getByRole("img", { name: "output train of Split Data" })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "output test of Split Data" })).toBeInTheDocument();
    expect(screen.queryByRole("img", { name: /input train/ })).toBeNull();
  });

  it("is titled by its label and shows its comment and idle status", () => {
    const { store } = openStore();
    const id = store.getState().addNode(LOAD, { x: 0, y: 0 });
    store.getState().updateNode(id, { label: "Iris", comment: "150 flowers" });
    const { container } = renderNode(store, id);
    expect(screen.getByText("Iris")).toBeInTheDocument();
    expect(screen.getByText("Load Data")).toBeInTheDocument();
    expect(screen.getByText("150 flowers")).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "output dataset of Iris" })).toBeInTheDocument();
    expect(container.querySelector("[data-status]")).toHaveAttribute("data-status", "idle");
  });

  it("shows its errors, marks the port they name, and the plan mark", async () => {
    const { store, server } = openStore();
    const id = store.getState().addNode(SPLIT, { x: 0, y: 0 });
    server.errors = [{ code: "missing_input", message: "input dataset is not connected", node: id, port: "dataset" }];
    await store.getState().runAnalysis();
    store.getState().setPlan([{ node_id: id, action: "reuse", reason: "same inputs as run 4" }]);
    const { container } = renderNode(store, id);
    expect(screen.getByText("1 error")).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "input dataset of Split Data" })).toHaveClass("gw-handle--error");
    expect(container.querySelector(".gw-node")).toHaveClass("gw-node--error");
    expect(container.querySelector("[data-status]")).toHaveAttribute("data-status", "reused");
    expect(screen.getByText(/same inputs as run 4/)).toBeInTheDocument();
  });

  it("marks an input's error on the input only, though an output shares its name", async () => {
    const PASS = module("pass", [["data", "DataFrame"]], [["data", "DataFrame"]], "Pass Through");
    const { store, server } = openStore();
    store.getState().setModules([LOAD, SPLIT, PASS]);
    const id = store.getState().addNode(PASS, { x: 0, y: 0 });
    server.errors = [{ code: "missing_input", message: "input data is not connected", node: id, port: "data" }];
    await store.getState().runAnalysis();
    renderNode(store, id);
    expect(screen.getByRole("img", { name: "input data of Pass Through" })).toHaveClass("gw-handle--error");
    expect(screen.getByRole("img", { name: "output data of Pass Through" })).not.toHaveClass("gw-handle--error");
  });

  it("edits its label in place as one undoable edit", async () => {
    const { store } = openStore();
    const id = store.getState().addNode(LOAD, { x: 0, y: 0 });
    renderNode(store, id, true);
    const user = userEvent.setup();
    await user.dblClick(screen.getByText("Load Data"));
    const field = screen.getByRole("textbox", { name: "Label of Load Data" });
    await user.type(field, "Raw data{Enter}");
    expect(store.getState().nodes[0].data.doc.label).toBe("Raw data");
    store.getState().undo();
    expect(store.getState().nodes[0].data.doc.label).toBeUndefined();
  });
});
