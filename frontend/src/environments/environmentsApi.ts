// Environments from the server (/api/v1/environments/): named, versioned lists of Python packages a
// node runs with; editors and owners create, edit (a new version), rebuild and remove them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type components } from "../api/client";

export type Environment = components["schemas"]["Environment"];
export type EnvironmentDetail = components["schemas"]["EnvironmentDetail"];
export type BuildStatus = components["schemas"]["EnvironmentBuildStatusEnum"];

const building = (status: string | undefined) => status === "queued" || status === "building";

export function useEnvironments(workspace: string) {
  return useQuery({
    queryKey: ["environments", workspace],
    queryFn: async () => unwrap(await api.GET("/api/v1/environments/", { params: { query: { workspace } } })),
    // a build runs on its own: look again every 2 s while one does
    refetchInterval: (query) => (query.state.data?.some((e) => building(e.build?.status)) ? 2000 : false),
  });
}

/** One version with its build's log, read again every second while it builds. */
export function useEnvironmentDetail(id: number) {
  return useQuery({
    queryKey: ["environment", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/environments/{environment_id}/", { params: { path: { environment_id: id } } })),
    refetchInterval: (query) => (building(query.state.data?.build?.status) ? 1000 : false),
  });
}

/** What a node's `environment` may say in `workspace`: each name (its newest version) and each
 * name@version. */
export function useEnvironmentChoices(workspace: string): string[] {
  const { data } = useQuery({
    queryKey: ["environments", workspace],
    queryFn: async () => unwrap(await api.GET("/api/v1/environments/", { params: { query: { workspace } } })),
    enabled: workspace !== "",
    staleTime: 30_000,
  });
  return environmentChoices(data ?? []);
}

export function environmentChoices(rows: readonly Pick<Environment, "name" | "reference">[]): string[] {
  const names = [...new Set(rows.map((e) => e.name))].sort();
  const refs = rows.map((e) => e.reference).sort();
  return [...names, ...refs];
}

function useRefresh() {
  const client = useQueryClient();
  return async () => {
    await client.invalidateQueries({ queryKey: ["environments"] });
    await client.invalidateQueries({ queryKey: ["environment"] });
  };
}

export function useCreateEnvironment() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (input: { workspace: string; name: string; packages: string[]; base_image?: string }) =>
      unwrap(await api.POST("/api/v1/environments/", { body: { ...input, base_image: input.base_image ?? "" } })),
    onSuccess: refresh,
  });
}

export function useUpdateEnvironment() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (input: { id: number; packages: string[]; base_image?: string }) =>
      unwrap(
        await api.PATCH("/api/v1/environments/{environment_id}/", {
          params: { path: { environment_id: input.id } },
          body: { packages: input.packages, base_image: input.base_image },
        }),
      ),
    onSuccess: refresh,
  });
}

export function useRebuildEnvironment() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/v1/environments/{environment_id}/build/", { params: { path: { environment_id: id } } })),
    onSuccess: refresh,
  });
}

export function useDeleteEnvironment() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/v1/environments/{environment_id}/", {
        params: { path: { environment_id: id } },
      });
      if (result.error !== undefined || !result.response.ok) throw new ApiError(result.response.status, result.error ?? null);
    },
    onSuccess: refresh,
  });
}

/** One requirement a line; blank lines and # comments dropped. */
export function parsePackages(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "");
}
