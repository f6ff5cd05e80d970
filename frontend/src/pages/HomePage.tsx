// The workspace home: its pipelines (drafts) and the samples to start from.
import { useNavigate } from "react-router-dom";
import { DraftList } from "../home/DraftList";
import { useCreateDraft, type NewDraft } from "../home/draftsApi";
import { RequireWorkspace, type Workspace } from "../home/RequireWorkspace";
import { SampleList } from "../home/SampleList";
import { errorMessage } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";

export function HomePage() {
  usePageTitle("Pipelines");
  return (
    <div className="list-page">
      <RequireWorkspace title="Pipelines">{(workspace) => <WorkspaceHome workspace={workspace} />}</RequireWorkspace>
    </div>
  );
}

function WorkspaceHome({ workspace }: { workspace: Workspace }) {
  const navigate = useNavigate();
  const create = useCreateDraft(workspace.slug);
  const canEdit = workspace.role !== "viewer";
  const start = (draft: NewDraft) =>
    create.mutate(draft, { onSuccess: (created) => navigate(`/drafts/${created.id}`) });

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Pipelines</h1>
          <p className="muted">in {workspace.name}</p>
        </div>
        {canEdit && (
          <button
            type="button"
            className="primary"
            disabled={create.isPending}
            onClick={() => start({ name: "Untitled pipeline" })}
          >
            {create.isPending ? "Creating…" : "New pipeline"}
          </button>
        )}
      </header>
      {create.isError && (
        <p className="page-error" role="alert">
          Could not create the pipeline: {errorMessage(create.error)}
        </p>
      )}
      <div className="home-columns">
        <section aria-labelledby="drafts-heading" className="panel">
          <h2 id="drafts-heading" className="visually-hidden">
            Your pipelines
          </h2>
          <DraftList workspace={workspace.slug} canEdit={canEdit} onNew={() => start({ name: "Untitled pipeline" })} />
        </section>
        <SampleList
          canEdit={canEdit}
          busy={create.isPending}
          onUse={(sample) =>
            start({ name: sample.name, description: sample.description, document: sample.document })
          }
        />
      </div>
    </>
  );
}
