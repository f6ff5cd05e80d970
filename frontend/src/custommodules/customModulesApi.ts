// Custom modules from the server: every version of the workspace's modules, registering a file
// (multipart), and changing a version's status or default.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, csrfToken, unwrap, type components } from "../api/client";

export type CustomModule = components["schemas"]["CustomModule"];
export type CustomModuleStatus = NonNullable<CustomModule["status"]>;
export interface RegisterWarning {
  code: string;
  message: string;
  module?: string;
}
export interface Registered {
  modules: CustomModule[];
  warnings: RegisterWarning[];
}

export const STATUSES: { value: CustomModuleStatus; label: string; help: string }[] = [
  { value: "active", label: "Active", help: "offered and run as usual" },
  { value: "deprecated", label: "Deprecated", help: "still runs; validation warns about it" },
  { value: "disabled", label: "Disabled", help: "a pipeline using it is refused" },
];

export function useCustomModules(workspace: string) {
  return useQuery({
    queryKey: ["custom-modules", workspace],
    queryFn: async () => unwrap(await api.GET("/api/v1/custom-modules/", { params: { query: { workspace } } })),
  });
}

/** Versions grouped by module key (keys in order), each key's versions newest first. */
export function groupByKey(rows: readonly CustomModule[]): [string, CustomModule[]][] {
  const groups = new Map<string, CustomModule[]>();
  for (const row of rows) groups.set(row.key, [...(groups.get(row.key) ?? []), row]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => [key, list.sort((a, b) => b.version.localeCompare(a.version, undefined, { numeric: true }))]);
}

/** POST the file as multipart (the typed client does not build multipart bodies). */
export async function registerModule(input: { workspace: string; file: File; entry?: string }): Promise<Registered> {
  const body = new FormData();
  body.set("workspace", input.workspace);
  body.set("file", input.file, input.file.name);
  if (input.entry) body.set("entry", input.entry);
  const response = await fetch("/api/v1/custom-modules/", {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data as Registered;
}

function useRefresh() {
  const client = useQueryClient();
  return async () => {
    await client.invalidateQueries({ queryKey: ["custom-modules"] });
    await client.invalidateQueries({ queryKey: ["modules"] }); // the palette and the catalogue
  };
}

export function useRegisterModule() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: registerModule, onSuccess: refresh });
}

export function useUpdateModule() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (input: { id: number; status?: CustomModuleStatus; is_default?: true }) =>
      unwrap(
        await api.PATCH("/api/v1/custom-modules/{module_id}/", {
          params: { path: { module_id: input.id } },
          body: { status: input.status, is_default: input.is_default },
        }),
      ),
    onSuccess: refresh,
  });
}

/** A registration error with its line, as the server words it. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const errors = (error.body as { errors?: { message?: string }[] } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => e.message).join("; ");
    if (error.status === 403) return "Only editors and owners of the workspace can register or change modules.";
    return error.message;
  }
  if (error instanceof TypeError) return "The server could not be reached; check your connection.";
  return error instanceof Error ? error.message : String(error);
}
