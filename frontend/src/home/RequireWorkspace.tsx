// Pages about one workspace wait for the user's workspaces, say why they could not be loaded,
// and tell a user without any workspace what to do.
import type { ReactNode } from "react";
import { useCurrentWorkspace, useWorkspaces } from "../app/hooks";
import type { components } from "../api/client";
import { ErrorMessage, Loading } from "./status";

export type Workspace = components["schemas"]["Workspace"];

export function RequireWorkspace({ title, children }: { title: string; children: (w: Workspace) => ReactNode }) {
  const workspaces = useWorkspaces();
  const workspace = useCurrentWorkspace();
  if (workspaces.isPending) return <Loading what="your workspaces" />;
  if (workspaces.isError) {
    return <ErrorMessage what="your workspaces" error={workspaces.error} onRetry={() => workspaces.refetch()} />;
  }
  if (!workspace) {
    return (
      <>
        <h1>{title}</h1>
        <p className="page-error" role="alert">
          You are not a member of any workspace yet; ask an administrator to add you to one.
        </p>
      </>
    );
  }
  return <>{children(workspace)}</>;
}
