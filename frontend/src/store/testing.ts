// Test helpers: a fake server for the designer store and a tiny catalogue.
import type { GraphError, ModuleSpec, PipelineDocument } from "../api/types";
import { createDesignerStore } from "./designerStore";
import type { DesignerApi, DraftSchemas, SavedDraft } from "./types";

export function module(key: string, inputs: [string, string][], outputs: [string, string][], label = key): ModuleSpec {
  const port = ([name, type]: [string, string]) => ({ name, type, label: name, optional: false, help: "" });
  return {
    key, version: "1", label, category: "Data", description: `${label} help`, inputs: inputs.map(port),
    outputs: outputs.map(port), params: [], user_code: false, disabled: false, infers_schema: false,
  };
}

export const LOAD = module("load", [], [["dataset", "DataFrame"]], "Load Data");
export const SPLIT = module("split", [["dataset", "DataFrame"]], [["train", "DataFrame"], ["test", "DataFrame"]], "Split Data");

export class FakeServer implements DesignerApi {
  revision = 1;
  document: unknown = { schema_version: 1, name: "P", nodes: [], edges: [] };
  saves: { document: PipelineDocument; revision?: number; name: string }[] = [];
  errors: GraphError[] = [];
  schemasAnswer: DraftSchemas = { nodes: {}, errors: [] };
  pending: (() => void)[] = [];
  holdSaves = false;

  draft(): SavedDraft {
    return { id: 7, name: "P", revision: this.revision, workspace: "ws", document: this.document };
  }
  async loadDraft() {
    return this.draft();
  }
  async saveDraft(_id: number, body: { name: string; document: unknown; revision?: number }) {
    if (this.holdSaves) await new Promise<void>((resolve) => this.pending.push(resolve));
    this.saves.push(body as { document: PipelineDocument; revision?: number; name: string });
    if (body.revision !== undefined && body.revision !== this.revision) {
      const { ApiError } = await import("../api/client");
      throw new ApiError(409, { errors: [{ code: "conflict", message: "this draft was saved by someone else", field: "revision" }] });
    }
    this.revision += 1;
    this.document = body.document;
    return this.draft();
  }
  async validate() {
    return this.errors;
  }
  async schemas() {
    return this.schemasAnswer;
  }
  release() {
    const waiting = this.pending;
    this.pending = [];
    waiting.forEach((resolve) => resolve());
  }
}

export function openStore(server = new FakeServer()) {
  const store = createDesignerStore(server);
  store.getState().setModules([LOAD, SPLIT]);
  store.getState().openDraft(server.draft());
  return { store, server };
}
