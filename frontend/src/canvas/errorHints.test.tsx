// Design-time errors carry a hint (what the user can do): the node, its port, the errors list and
// the parameter's field all show it next to the message.
import "../properties/testing/mockFetch";
import { cleanup, render, screen } from "@testing-library/react";
import { ReactFlowProvider, type NodeProps } from "@xyflow/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GraphError } from "../api/types";
import { moduleWith, param, renderPanel } from "../properties/testing/harness";
import { DesignerStoreContext } from "../store/designerStore";
import { SPLIT, openStore } from "../store/testing";
import type { DesignerNode } from "../store/types";
import { ErrorsPanel } from "./ErrorsPanel";
import { withHint } from "./errorText";
import { GenericNode } from "./GenericNode";

afterEach(cleanup);

const HINT = "encode it with Convert to Indicator Values, or leave it out with Select Columns";

function columnError(node: string, port: string | null): GraphError {
  return {
    code: "column_type", message: "column 'sex' holds text: Split Data takes only numbers in 'Columns'",
    node, port, param: "columns", column: "sex", hint: HINT,
  };
}

async function storeWith(errors: (id: string) => GraphError[]) {
  const { store, server } = openStore();
  const id = store.getState().addNode(SPLIT, { x: 0, y: 0 });
  server.errors = errors(id);
  await store.getState().runAnalysis();
  return { store, id };
}

function renderNode(store: Awaited<ReturnType<typeof storeWith>>["store"], id: string) {
  const node = store.getState().nodes.find((n) => n.id === id)!;
  const props = { id, data: node.data, selected: false, type: "generic", dragging: false, zIndex: 0 } as unknown as NodeProps<DesignerNode>;
  return render(
    <ReactFlowProvider>
      <DesignerStoreContext.Provider value={store}>
        <GenericNode {...props} />
      </DesignerStoreContext.Provider>
    </ReactFlowProvider>,
  );
}

describe("error hints", () => {
  it("joins an error's message and hint, and leaves a message without one alone", () => {
    expect(withHint({ message: "m", hint: "do this" })).toBe("m — do this");
    expect(withHint({ message: "m", hint: null })).toBe("m");
    expect(withHint({ message: "m" })).toBe("m");
  });

  it("a node shows the hint of its error under the message, and in the badge's tooltip", async () => {
    const { store, id } = await storeWith((node) => [columnError(node, null)]);
    renderNode(store, id);
    expect(screen.getByText(HINT)).toHaveClass("gw-node-hint");
    expect(screen.getByText("1 error")).toHaveAttribute("title", expect.stringContaining(HINT));
  });

  it("a port's error tooltip has the hint", async () => {
    const { store, id } = await storeWith((node) => [columnError(node, "dataset")]);
    renderNode(store, id);
    const handle = screen.getByRole("img", { name: "input dataset of Split Data" });
    expect(handle).toHaveClass("gw-handle--error");
    expect(handle.getAttribute("title")).toContain(`holds text: Split Data takes only numbers in 'Columns' — ${HINT}`);
  });

  it("the errors list shows each hint", async () => {
    const { store } = await storeWith((node) => [columnError(node, null)]);
    render(
      <ReactFlowProvider>
        <DesignerStoreContext.Provider value={store}>
          <ErrorsPanel onClose={vi.fn()} />
        </DesignerStoreContext.Provider>
      </ReactFlowProvider>,
    );
    expect(screen.getByText(HINT)).toHaveClass("gw-errors-hint");
  });

  it("an output whose columns were learned from a run says so in its tooltip", async () => {
    const { store, server } = openStore();
    const id = store.getState().addNode(SPLIT, { x: 0, y: 0 });
    server.schemasAnswer = {
      nodes: { [id]: { inputs: { dataset: null }, outputs: { train: [{ name: "a", dtype: "float" }], test: null },
        learned_from: { run: 12, ports: ["train"] } } },
      errors: [],
    };
    await store.getState().runAnalysis();
    renderNode(store, id);
    const train = screen.getByRole("img", { name: "output train of Split Data" });
    expect(train.getAttribute("title")).toContain("columns as run 12 produced them");
    expect(train).toHaveAttribute("data-learned-run", "12");
    expect(screen.getByRole("img", { name: "output test of Split Data" })).not.toHaveAttribute("data-learned-run");
  });

  it("a parameter's field describes its error with the hint, and the node's other errors keep theirs", () => {
    const module = moduleWith([param("columns", "columns", { label: "Columns", port: "data" })]);
    renderPanel(module, {
      errors: [columnError("n1", null), { code: "check_failed", message: "could not check", node: "n1", hint: "report it" }],
    });
    const field = screen.getByLabelText(/^Columns/, { selector: "input, select, textarea" });
    expect(field).toHaveAccessibleDescription(expect.stringContaining(HINT));
    expect(field).toHaveAccessibleDescription(expect.stringContaining("holds text"));
    expect(screen.getByRole("alert")).toHaveTextContent("could not check report it");
  });
});
