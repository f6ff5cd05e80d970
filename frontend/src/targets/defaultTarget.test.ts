import { describe, expect, it } from "vitest";
import type { PipelineDocument } from "../api/types";
import { documentToFlow, flowToDocument } from "../store/convert";
import { openStore } from "../store/testing";

describe("the pipeline's default target", () => {
  it("survives a round trip through the designer (a save never drops it)", () => {
    const doc: PipelineDocument = { schema_version: 1, name: "p", parameters: [], nodes: [], edges: [], default_target: "solo" };
    const { meta, nodes, edges } = documentToFlow(doc);
    expect(flowToDocument(meta, nodes, edges).default_target).toBe("solo");
    const none = documentToFlow({ ...doc, default_target: null });
    expect("default_target" in flowToDocument(none.meta, none.nodes, none.edges)).toBe(false);
  });

  it("is set and cleared in the store as an undoable edit of the document", () => {
    const { store } = openStore();
    const s = () => store.getState();
    s().setDefaultTarget("solo");
    expect(s().meta.default_target).toBe("solo");
    s().setDefaultTarget(null);
    expect("default_target" in s().meta).toBe(false);
    s().undo();
    expect(s().meta.default_target).toBe("solo");
  });
});
