// The sample pipelines (GET /api/v1/samples/), offered as "New from sample" in any workspace.
import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/client";

export interface Sample {
  key: string;
  name: string;
  description: string;
  document: unknown;
}

async function fetchSamples(): Promise<Sample[]> {
  // plain fetch: the endpoint is newer than the generated client's schema
  const response = await fetch("/api/v1/samples/", { credentials: "same-origin" });
  const body = await response.json().catch(() => null);
  return unwrap<Sample[]>({ data: body, error: response.ok ? undefined : body, response });
}

export function useSamples() {
  return useQuery({ queryKey: ["samples"], queryFn: fetchSamples, staleTime: 60_000 });
}
