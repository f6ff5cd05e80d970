import { render, screen } from "@testing-library/react";
import { ReactFlowProvider, type NodeProps } from "@xyflow/react";
import { GenericNode } from "../canvas/GenericNode";
import { DesignerStoreContext } from "../store/designerStore";
import { openStore } from "../store/testing";
import type { DesignerNode } from "../store/types";
import { describe, expect, it } from "vitest";
import type { ModuleSpec } from "../api/types";
import { indexModules, moduleOf } from "../store/catalogue";
import { Palette } from "./Palette";

const scale = (version: string, extra: Partial<ModuleSpec> = {}): ModuleSpec => ({
  key: "scale_columns",
  version,
  label: "Scale Columns",
  category: "Data Transformation",
  description: "",
  inputs: [],
  outputs: [],
  params: [],
  user_code: true,
  disabled: false,
  infers_schema: false,
  custom: true,
  status: "active",
  is_default: false,
  ...extra,
});

describe("custom modules in the palette", () => {
  it("offers the default version, not the newest, and resolves a node pinned to any version", () => {
    const index = indexModules([scale("1", { is_default: true }), scale("2"), scale("3", { status: "disabled", disabled: true })]);
    expect(index.list.map((m) => m.version)).toEqual(["1"]);
    expect(moduleOf(index, { module: "scale_columns", version: "2" })?.version).toBe("2");
    expect(moduleOf(index, { module: "scale_columns", version: "3" })?.status).toBe("disabled");
    expect(moduleOf(index, { module: "scale_columns" })?.version).toBe("1");
  });

  it("leaves a module whose every version is disabled out of the palette", () => {
    expect(indexModules([scale("1", { status: "disabled", disabled: true })]).list).toEqual([]);
  });

  it("marks a custom module and a deprecated default", () => {
    render(<Palette modules={[scale("2", { is_default: true, status: "deprecated" })]} onAdd={() => {}} />);
    const entry = screen.getByRole("button", { name: "Add Scale Columns custom v2 deprecated" });
    expect(entry).toHaveTextContent("custom v2");
    expect(entry).toHaveTextContent("deprecated");
  });
});

describe("a node of a custom module", () => {
  function renderNode(modules: ModuleSpec[], version: string) {
    const { store } = openStore();
    store.getState().setModules(modules);
    const id = store.getState().addNode(scale(version), { x: 0, y: 0 });
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

  it("pinned to an older version than the default says a newer one is available", () => {
    renderNode([scale("1"), scale("2", { is_default: true })], "1");
    expect(screen.getByTestId("version-badge")).toHaveTextContent("v1 → v2 available");
  });

  it("on the default shows no badge, and on a deprecated or disabled version says so", () => {
    const { unmount } = renderNode([scale("1", { is_default: true })], "1");
    expect(screen.queryByTestId("version-badge")).toBeNull();
    unmount();
    renderNode([scale("1", { status: "disabled", disabled: true }), scale("2", { is_default: true })], "1");
    expect(screen.getByTestId("version-badge")).toHaveTextContent("disabled · v1 → v2 available");
  });
});
