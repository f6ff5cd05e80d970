// Compute targets from the server: the built-in ones (read-only) and the workspace's own, which
// editors and owners create, edit and remove (/api/v1/targets/).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type components } from "../api/client";

export type ComputeTarget = components["schemas"]["ComputeTarget"];
export type BuiltinTarget = components["schemas"]["BuiltinComputeTarget"];
export type TargetKind = components["schemas"]["ComputeTargetKindEnum"];
export type TargetSettings = Record<string, unknown>;

export const KINDS: { value: TargetKind; label: string; help: string }[] = [
  { value: "local", label: "Local", help: "steps run in processes on the server, at most `concurrency` at once" },
  { value: "docker", label: "Docker", help: "each step in a container of its own, with CPU, memory and pid limits" },
  { value: "celery", label: "Celery", help: "steps run by Celery workers listening on a queue (not available yet)" },
];

export function useTargets(workspace: string) {
  return useQuery({
    queryKey: ["targets", workspace],
    queryFn: async () => unwrap(await api.GET("/api/v1/targets/", { params: { query: { workspace } } })),
    // a celery target's workers and what they run change on their own: look again every 5 s
    refetchInterval: (query) => (query.state.data?.targets.some((t) => t.kind === "celery") ? 5000 : false),
  });
}

function useRefresh() {
  const client = useQueryClient();
  return async () => {
    await client.invalidateQueries({ queryKey: ["targets"] });
    await client.invalidateQueries({ queryKey: ["pipeline-document-schema"] }); // the node settings' target choices
  };
}

export function useCreateTarget() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (input: { workspace: string; name: string; kind: TargetKind; settings: TargetSettings }) =>
      unwrap(await api.POST("/api/v1/targets/", { body: input })),
    onSuccess: refresh,
  });
}

export function useUpdateTarget() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (input: { id: number; settings: TargetSettings }) =>
      unwrap(
        await api.PATCH("/api/v1/targets/{target_id}/", {
          params: { path: { target_id: input.id } },
          body: { settings: input.settings },
        }),
      ),
    onSuccess: refresh,
  });
}

export function useDeleteTarget() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/v1/targets/{target_id}/", { params: { path: { target_id: id } } });
      if (result.error !== undefined || !result.response.ok) throw new ApiError(result.response.status, result.error ?? null);
    },
    onSuccess: refresh,
  });
}

/** A short line of a target's settings, for the list. */
export function describeSettings(kind: string, settings: TargetSettings): string {
  const s = settings as Record<string, string | number | boolean | undefined>;
  if (kind === "local") return `concurrency ${s.concurrency ?? 1}`;
  if (kind === "celery") return `queue ${s.queue ?? ""}`;
  const parts = [s.image ? `image ${s.image}` : `environment ${s.environment ?? ""}`];
  parts.push(`${s.cpus ?? 1} CPU`, `${s.memory_mb ?? 2048} MB`, `${s.pids ?? 256} pids`, s.network ? "network on" : "no network");
  if (s.docker_host) parts.push(`on ${s.docker_host}`);
  return parts.join(" · ");
}

/** The server's errors, each with the field it is about. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const errors = (error.body as { errors?: { message?: string }[] } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => e.message).join("; ");
    if (error.status === 403) return "Only editors and owners of the workspace can change its targets.";
    return error.message;
  }
  if (error instanceof TypeError) return "The server could not be reached; check your connection.";
  return error instanceof Error ? error.message : String(error);
}
