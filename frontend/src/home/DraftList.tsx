// The workspace's drafts, a page at a time, with their actions; an empty workspace invites a new one.
import { useState } from "react";
import { Pager } from "./Pager";
import { DraftRow } from "./DraftRow";
import { DRAFT_PAGE, useDeleteDraft, useDrafts, useDuplicateDraft, useRenameDraft } from "./draftsApi";
import { ErrorMessage, Loading } from "./status";

export function DraftList({ workspace, canEdit, onNew }: { workspace: string; canEdit: boolean; onNew: () => void }) {
  const [offset, setOffset] = useState(0);
  const drafts = useDrafts(workspace, offset);
  const rename = useRenameDraft(workspace);
  const duplicate = useDuplicateDraft(workspace);
  const remove = useDeleteDraft(workspace);
  const actions = {
    rename: (id: number, name: string) => rename.mutateAsync({ id, name }),
    duplicate: (id: number) => duplicate.mutateAsync(id),
    remove: (id: number) => remove.mutateAsync(id),
  };

  if (drafts.isPending) return <Loading what="the pipelines" />;
  if (drafts.isError) return <ErrorMessage what="the pipelines" error={drafts.error} onRetry={() => drafts.refetch()} />;
  const { results, count } = drafts.data;
  if (count === 0) {
    return (
      <div className="empty-state">
        <p>No pipelines in this workspace yet.</p>
        {canEdit ? (
          <>
            <p className="muted">Start from an empty canvas, or from one of the samples.</p>
            <button type="button" className="primary" onClick={onNew}>
              New pipeline
            </button>
          </>
        ) : (
          <p className="muted">You can view this workspace; an editor can add pipelines to it.</p>
        )}
      </div>
    );
  }
  return (
    <>
      <ul className="draft-list" aria-label="Pipelines">
        {results.map((draft) => (
          <DraftRow key={draft.id} draft={draft} actions={actions} canEdit={canEdit} />
        ))}
      </ul>
      <Pager label="Pipeline pages" offset={offset} limit={DRAFT_PAGE} count={count} onOffset={setOffset} />
    </>
  );
}
