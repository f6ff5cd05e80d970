// The designer's server calls, through the client typed from the server's OpenAPI schema.
import { api, unwrap } from "../api/client";
import type { GraphError } from "../api/types";
import type { DesignerApi, DraftSchemas, SavedDraft } from "./types";

export const designerApi: DesignerApi = {
  async loadDraft(id) {
    return unwrap(await api.GET("/api/v1/drafts/{draft_id}/", { params: { path: { draft_id: id } } })) as SavedDraft;
  },
  async saveDraft(id, body) {
    return unwrap(
      await api.PATCH("/api/v1/drafts/{draft_id}/", { params: { path: { draft_id: id } }, body }),
    ) as SavedDraft;
  },
  async validate(id) {
    const result = unwrap(await api.GET("/api/v1/drafts/{draft_id}/validation/", { params: { path: { draft_id: id } } }));
    return result.errors as GraphError[];
  },
  async schemas(id) {
    const result: DraftSchemas = unwrap(
      await api.GET("/api/v1/drafts/{draft_id}/schemas/", { params: { path: { draft_id: id } } }),
    );
    return result;
  },
};
