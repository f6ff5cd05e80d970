// The samples, each a button that makes a new draft of it in the current workspace.
import { ErrorMessage, Loading } from "./status";
import { useSamples, type Sample } from "./samplesApi";

export function SampleList({ onUse, busy, canEdit }: { onUse: (s: Sample) => void; busy: boolean; canEdit: boolean }) {
  const samples = useSamples();
  return (
    <section aria-labelledby="samples-heading" className="panel">
      <h2 id="samples-heading">Samples</h2>
      {samples.isPending && <Loading what="the samples" />}
      {samples.isError && <ErrorMessage what="the samples" error={samples.error} onRetry={() => samples.refetch()} />}
      {samples.data?.length === 0 && <p className="muted">No sample pipelines are installed.</p>}
      <ul className="sample-list">
        {samples.data?.map((sample) => (
          <li key={sample.key}>
            <strong>{sample.name}</strong>
            {sample.description && <p className="muted">{sample.description}</p>}
            {canEdit && (
              <button
                type="button"
                aria-label={`New from sample ${sample.name}`}
                disabled={busy}
                onClick={() => onUse(sample)}
              >
                New from sample
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
