// The workspace's drafts as the home page uses them: list, create (empty or from a document),
// rename, duplicate and delete, each refreshing the list.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type components } from "../api/client";

export type Draft = components["schemas"]["Draft"];
export type DraftDetail = components["schemas"]["DraftDetail"];

export const DRAFT_PAGE = 50;

export const draftsKey = (workspace: string) => ["drafts", workspace] as const;

export function useDrafts(workspace: string | undefined, offset: number) {
  return useQuery({
    queryKey: [...draftsKey(workspace ?? ""), offset],
    enabled: !!workspace,
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/drafts/", { params: { query: { workspace, limit: DRAFT_PAGE, offset } } })),
  });
}

export interface NewDraft {
  name: string;
  description?: string;
  document?: unknown;
}

export async function createDraft(workspace: string, draft: NewDraft): Promise<DraftDetail> {
  return unwrap(
    await api.POST("/api/v1/drafts/", {
      body: { workspace, name: draft.name, description: draft.description ?? "", document: draft.document },
    }),
  );
}

/** A new draft holding a copy of `id`'s document, named "<name> (copy)". */
export async function duplicateDraft(workspace: string, id: number): Promise<DraftDetail> {
  const original = unwrap(await api.GET("/api/v1/drafts/{draft_id}/", { params: { path: { draft_id: id } } }));
  const name = `${original.name} (copy)`.slice(0, 200);
  const document = original.document;
  const isObject = typeof document === "object" && document !== null && !Array.isArray(document);
  return createDraft(workspace, {
    name,
    description: original.description ?? "",
    document: isObject ? { ...document, name } : document, // the copy's document carries its name too
  });
}

function useInvalidateDrafts(workspace: string) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: draftsKey(workspace) });
}

export function useCreateDraft(workspace: string) {
  const invalidate = useInvalidateDrafts(workspace);
  return useMutation({ mutationFn: (draft: NewDraft) => createDraft(workspace, draft), onSuccess: invalidate });
}

export function useDuplicateDraft(workspace: string) {
  const invalidate = useInvalidateDrafts(workspace);
  return useMutation({ mutationFn: (id: number) => duplicateDraft(workspace, id), onSuccess: invalidate });
}

export function useRenameDraft(workspace: string) {
  const invalidate = useInvalidateDrafts(workspace);
  return useMutation({
    mutationFn: async ({ id, name }: { id: number; name: string }) =>
      unwrap(await api.PATCH("/api/v1/drafts/{draft_id}/", { params: { path: { draft_id: id } }, body: { name } })),
    onSuccess: invalidate,
  });
}

export function useDeleteDraft(workspace: string) {
  const invalidate = useInvalidateDrafts(workspace);
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.DELETE("/api/v1/drafts/{draft_id}/", { params: { path: { draft_id: id } } })),
    onSuccess: invalidate,
  });
}
