import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ReactFlowProvider } from "@xyflow/react";
import { describe, expect, it, vi } from "vitest";
import { DesignerStoreContext } from "../store/designerStore";
import { LOAD, SPLIT, openStore } from "../store/testing";
import { ErrorsPanel, nodeOfError } from "./ErrorsPanel";

describe("ErrorsPanel", () => {
  it("lists every error by where it is, and a click selects that node", async () => {
    const { store, server } = openStore();
    const a = store.getState().addNode(LOAD, { x: 0, y: 0 });
    const b = store.getState().addNode(SPLIT, { x: 0, y: 100 });
    server.errors = [
      { code: "missing_input", message: "input dataset is not connected", node: b, port: "dataset" },
      { code: "bad_parameter", message: "seed must be an integer", param: "seed" },
    ];
    await store.getState().runAnalysis();
    render(
      <ReactFlowProvider>
        <DesignerStoreContext.Provider value={store}>
          <ErrorsPanel onClose={vi.fn()} />
        </DesignerStoreContext.Provider>
      </ReactFlowProvider>,
    );
    expect(screen.getByRole("heading", { name: "Errors (2)" })).toBeInTheDocument();
    store.getState().selectOnly([a]);
    await userEvent.setup().click(screen.getByRole("button", { name: /Split Data · dataset/ }));
    expect(store.getState().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual([b]);
    await userEvent.setup().click(screen.getByRole("button", { name: /Pipeline parameters · seed/ }));
    expect(store.getState().nodes.some((n) => n.selected)).toBe(false);
  });

  it("finds the node of an edge error at the edge's target", () => {
    expect(nodeOfError({ code: "x", message: "m", edge: "e1" }, [{ id: "e1", target: "t" }])).toBe("t");
    expect(nodeOfError({ code: "x", message: "m" }, [])).toBeNull();
  });
});
