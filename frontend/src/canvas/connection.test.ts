import { describe, expect, it } from "vitest";
import type { EdgeDoc, ModuleSpec, PortSpec } from "../api/types";
import { canConnectTypes, checkConnection, type GraphView } from "./connection";
import portRules from "./port-rules.json";

interface PortRules {
  types: string[];
  pairs: { source: string; target: string; ok: boolean }[];
}

// Generated from modules_catalog.ports.can_connect on the Python side, so the two rules cannot drift.
const rules: PortRules = portRules;

describe("the port type rule", () => {
  it("covers every pair of the server's port types", () => {
    expect(rules.types.length).toBeGreaterThan(1);
    expect(rules.pairs).toHaveLength(rules.types.length ** 2);
  });

  it.each(rules.pairs)("$source -> $target is allowed exactly when the server allows it", ({ source, target, ok }) => {
    expect(canConnectTypes(source, target)).toBe(ok);
  });
});

function port(name: string, type: string): PortSpec {
  return { name, type, label: name[0].toUpperCase() + name.slice(1), optional: false, help: "" };
}

function mod(key: string, inputs: PortSpec[], outputs: PortSpec[]): ModuleSpec {
  return {
    key, version: "1", label: key, category: "Test", description: "", inputs, outputs, params: [],
    user_code: false, disabled: false, infers_schema: false,
  };
}

const modules: Record<string, ModuleSpec> = {
  a: mod("Load", [], [port("dataset", "DataFrame")]),
  b: mod("Split", [port("dataset", "DataFrame"), port("extra", "DataFrame")], [port("train", "DataFrame")]),
  c: mod("Train", [port("dataset", "DataFrame")], [port("model", "Model")]),
  f: mod("Save", [port("file", "AnyFile")], []),
  r: mod("Relay", [port("back", "AnyFile")], [port("out", "DataFrame")]),
};

function graph(edges: EdgeDoc[]): GraphView {
  return { moduleOf: (id) => modules[id], titleOf: (id) => modules[id]?.label ?? id, edges };
}

const edge = (source: string, sp: string, target: string, tp: string): EdgeDoc => ({
  source, source_port: sp, target, target_port: tp,
});

describe("checkConnection", () => {
  it("accepts a matching pair", () => {
    expect(checkConnection(graph([]), { source: "a", sourcePort: "dataset", target: "b", targetPort: "dataset" })).toEqual({ ok: true });
  });

  it("lets any output feed an AnyFile input", () => {
    expect(checkConnection(graph([]), { source: "c", sourcePort: "model", target: "f", targetPort: "file" }).ok).toBe(true);
  });

  it("refuses a type mismatch and names both types", () => {
    const result = checkConnection(graph([]), { source: "c", sourcePort: "model", target: "b", targetPort: "dataset" });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toMatch(/Model output cannot feed a DataFrame input/);
  });

  it("refuses a second edge into one input", () => {
    const result = checkConnection(graph([edge("a", "dataset", "b", "dataset")]), {
      source: "b", sourcePort: "train", target: "b", targetPort: "dataset",
    });
    expect(result.ok).toBe(false);
    const second = checkConnection(graph([edge("a", "dataset", "c", "dataset")]), {
      source: "b", sourcePort: "train", target: "c", targetPort: "dataset",
    });
    expect(second).toMatchObject({ ok: false });
    if (!second.ok) expect(second.reason).toMatch(/already connected/);
  });

  it("refuses a self-loop", () => {
    const result = checkConnection(graph([]), { source: "b", sourcePort: "train", target: "b", targetPort: "dataset" });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toMatch(/own input/);
  });

  it("refuses an edge that would close a cycle", () => {
    const g = graph([edge("a", "dataset", "b", "dataset"), edge("b", "train", "c", "dataset")]);
    expect(checkConnection(g, { source: "c", sourcePort: "model", target: "f", targetPort: "file" }).ok).toBe(true);
    const loop = checkConnection(g, { source: "c", sourcePort: "model", target: "r", targetPort: "back" });
    expect(loop.ok).toBe(true);
    const closing = checkConnection(graph([...g.edges, edge("c", "model", "r", "back")]), {
      source: "r", sourcePort: "out", target: "b", targetPort: "extra",
    });
    expect(closing).toMatchObject({ ok: false });
    if (!closing.ok) expect(closing.reason).toMatch(/cycle/);
  });
});
