// Uploads that stopped before the end: choosing the same file again resumes one; or abandon it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { UploadSession } from "./upload";
import { formatBytes, formatRelative } from "../home/format";
import { errorMessage } from "../home/status";

export function PendingUploads({
  workspace,
  onResume,
}: {
  workspace: string;
  onResume: (upload: UploadSession) => void;
}) {
  const client = useQueryClient();
  const uploads = useQuery({
    queryKey: ["datasets", workspace, "uploads"],
    queryFn: async () => unwrap(await api.GET("/api/v1/uploads/", { params: { query: { limit: 100 } } })).results,
  });
  const abandon = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/v1/uploads/{upload_id}/", { params: { path: { upload_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["datasets", workspace, "uploads"] }),
  });
  const open = (uploads.data ?? []).filter((u) => u.workspace === workspace && u.status !== "completed");
  if (open.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="pending-uploads">
      <h2 id="pending-uploads">Unfinished uploads</h2>
      <p className="muted">Resume one by choosing the same file again: only what is missing is sent.</p>
      <ul className="draft-list">
        {open.map((u) => (
          <li key={u.id} className="draft-row">
            <div className="draft-main">
              <strong>
                {u.name} <span className="muted">({u.filename})</span>
              </strong>
              <span className="muted">
                {formatBytes(u.received ?? 0)} of {formatBytes(u.size)} sent, last {formatRelative(u.updated_at)}
              </span>
            </div>
            <progress max={u.size} value={u.received ?? 0} aria-label={`Sent of ${u.filename}`} />
            <button type="button" aria-label={`Resume the upload of ${u.filename}`} onClick={() => onResume(u)}>
              Resume
            </button>
            <button
              type="button"
              className="danger"
              aria-label={`Abandon the upload of ${u.filename}`}
              disabled={abandon.isPending}
              onClick={() => abandon.mutate(u.id)}
            >
              Abandon
            </button>
          </li>
        ))}
      </ul>
      {abandon.isError && (
        <p className="inline-error" role="alert">
          Could not abandon the upload: {errorMessage(abandon.error)}
        </p>
      )}
    </section>
  );
}
