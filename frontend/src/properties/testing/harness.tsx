// Test helper: the properties panel held by a tiny parent that applies each patch, as the canvas
// store does, and records them (one patch = one undo entry).
import { useState, type ReactNode } from "react";
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ModuleSpec, NodeDoc, ParamSpec } from "../../api/types";
import { PropertiesPanel, type PropertiesPanelProps } from "../PropertiesPanel";

export function param(name: string, kind: string, extra: Partial<ParamSpec> = {}): ParamSpec {
  return { name, kind, label: name, default: null, required: false, help: "", ...extra };
}

export function moduleWith(params: ParamSpec[], extra: Partial<ModuleSpec> = {}): ModuleSpec {
  return {
    key: "test_module", version: "1", label: "Test Module", category: "Testing", description: "",
    inputs: [{ name: "data", type: "DataFrame", label: "Dataset", optional: false, help: "" }],
    outputs: [], params, user_code: false, disabled: false, infers_schema: true, ...extra,
  };
}

export function wrapper({ children }: { children: ReactNode }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

type Overrides = Partial<Omit<PropertiesPanelProps, "onChange" | "node">> & { node?: NodeDoc };

export function renderPanel(module: ModuleSpec, overrides: Overrides = {}) {
  const patches: Partial<NodeDoc>[] = [];
  const latest: { node: NodeDoc } = { node: overrides.node ?? { id: "n1", module: module.key, params: {} } };
  function Parent() {
    const [node, setNode] = useState<NodeDoc>(latest.node);
    return (
      <PropertiesPanel
        module={module}
        inputSchemas={{}}
        pipelineParameters={[]}
        errors={[]}
        targets={["local"]}
        workspaceId={1}
        {...overrides}
        node={node}
        onChange={(patch) => {
          patches.push(patch);
          latest.node = { ...latest.node, ...patch };
          setNode(latest.node);
        }}
      />
    );
  }
  const view = render(<Parent />, { wrapper });
  return { ...view, patches, latest };
}
