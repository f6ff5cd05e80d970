import { describe, expect, it } from "vitest";
import type { PipelineDocument } from "../api/types";
import { documentToFlow, edgeIdOf, flowToDocument } from "./convert";

const doc: PipelineDocument = {
  schema_version: 1,
  name: "Demo",
  parameters: [{ name: "frac", kind: "float", default: 0.7 }],
  nodes: [
    { id: "a", module: "load", version: "1", params: { name: "iris" }, position: { x: 10, y: 20 }, label: "Iris", comment: "raw" },
    { id: "b", module: "split", position: { x: 10, y: 140 }, reuse: false, target: "local" },
  ],
  edges: [
    { source: "a", source_port: "dataset", target: "b", target_port: "dataset" },
    { id: "kept", source: "a", source_port: "dataset", target: "b", target_port: "other" },
  ],
};

describe("graph conversions", () => {
  it("turn a document into xyflow nodes and edges and back without losing anything", () => {
    const { meta, nodes, edges } = documentToFlow(doc);
    expect(nodes.map((n) => n.position)).toEqual([{ x: 10, y: 20 }, { x: 10, y: 140 }]);
    expect(edges[0]).toMatchObject({ source: "a", sourceHandle: "dataset", target: "b", targetHandle: "dataset" });
    expect(flowToDocument(meta, nodes, edges)).toEqual(doc);
  });

  it("name an edge as the server does in its errors, unless it has an id", () => {
    expect(edgeIdOf(doc.edges![0])).toBe("a.dataset->b.dataset");
    expect(edgeIdOf(doc.edges![1])).toBe("kept");
    expect(documentToFlow(doc).edges.map((e) => e.id)).toEqual(["a.dataset->b.dataset", "kept"]);
  });

  it("place nodes that have no position on a grid instead of piling them up", () => {
    const { nodes } = documentToFlow({ nodes: [{ id: "x", module: "m" }, { id: "y", module: "m" }] });
    expect(nodes[0].position).not.toEqual(nodes[1].position);
  });
});
