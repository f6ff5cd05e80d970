// The designer's server calls through the typed client (the schemas endpoint is typed locally
// until the generated schema carries it).
import { api, ApiError, unwrap } from "../api/client";
import type { GraphError } from "../api/types";
import type { DesignerApi, DraftSchemas, SavedDraft } from "./types";

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

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
    return getJson<DraftSchemas>(`/api/v1/drafts/${id}/schemas/`);
  },
};
