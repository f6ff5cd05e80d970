// The sample pipelines (GET /api/v1/samples/), offered as "New from sample" in any workspace.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type components } from "../api/client";

export type Sample = components["schemas"]["Sample"];

export function useSamples() {
  return useQuery({
    queryKey: ["samples"],
    queryFn: async () => unwrap(await api.GET("/api/v1/samples/")),
    staleTime: 60_000,
  });
}
