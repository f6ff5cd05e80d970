// Shared server-state hooks: who is signed in, their workspaces, and the current workspace.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { useWorkspaceStore } from "./workspace";

export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: async () => unwrap(await api.GET("/api/v1/me/")) });
}

export function useWorkspaces() {
  return useQuery({
    queryKey: ["workspaces"],
    queryFn: async () => unwrap(await api.GET("/api/v1/workspaces/")),
  });
}

/** The workspace the user works in: their stored choice if they still belong to it, else the first. */
export function useCurrentWorkspace() {
  const { data: workspaces } = useWorkspaces();
  const chosen = useWorkspaceStore((s) => s.workspaceId);
  if (!workspaces || workspaces.length === 0) return null;
  return workspaces.find((w) => w.id === chosen) ?? workspaces[0];
}
