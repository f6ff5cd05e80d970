// Upload a CSV or Parquet file as a dataset (or a new version of one): progress bar through hashing,
// sending and reading; a failure says what happened and Retry resumes from what the server has.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { formatBytes } from "../home/format";
import { describeUploadError } from "./uploadMessages";
import { UploadError, uploadDataset, type DatasetDetail, type UploadProgress, type UploadSession } from "./upload";

const PHASE_LABEL = {
  hashing: "Checking the file",
  uploading: "Uploading",
  completing: "Reading the table",
  done: "Uploaded",
} as const;

const stem = (filename: string) => filename.replace(/\.[^.]+$/, "").slice(0, 100);

type State =
  | { kind: "idle" }
  | { kind: "busy"; progress: UploadProgress }
  | { kind: "failed"; error: unknown; sha256: string | null }
  | { kind: "done"; dataset: DatasetDetail };

export function UploadForm({
  workspace,
  datasetName,
  resume,
}: {
  workspace: string;
  datasetName?: string;
  /** An unfinished upload to resume: its name and settings are filled in, its file is asked for. */
  resume?: UploadSession;
}) {
  const id = useId();
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState(resume?.name ?? datasetName ?? "");
  const [description, setDescription] = useState(resume?.description ?? "");
  const [encoding, setEncoding] = useState(resume?.encoding ?? "");
  const [state, setState] = useState<State>({ kind: "idle" });
  const [missing, setMissing] = useState<string | null>(null);
  const encodingInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  async function start(sha256: string | null) {
    if (!file) return setMissing("Choose a CSV or Parquet file first.");
    if (!name.trim()) return setMissing("Give the dataset a name.");
    setMissing(null);
    setState({ kind: "busy", progress: { phase: sha256 ? "uploading" : "hashing", done: 0, total: file.size } });
    try {
      const dataset = await uploadDataset(
        { file, workspace, name: name.trim(), description, encoding: encoding.trim(), sha256: sha256 ?? undefined },
        { onProgress: (progress) => setState({ kind: "busy", progress }) },
      );
      setState({ kind: "done", dataset });
      setFile(null);
      if (fileInput.current) fileInput.current.value = "";
      await client.invalidateQueries({ queryKey: ["datasets"] });
    } catch (error) {
      setState({ kind: "failed", error, sha256: error instanceof UploadError ? error.sha256 : null });
    }
  }

  const askEncoding = state.kind === "failed" && describeUploadError(state.error).askEncoding;
  useEffect(() => {
    if (askEncoding) encodingInput.current?.focus(); // after the render that enables it again
  }, [askEncoding]);

  function submit(event: FormEvent) {
    event.preventDefault();
    void start(null);
  }

  const busy = state.kind === "busy";
  const problem = state.kind === "failed" ? describeUploadError(state.error) : null;
  return (
    <form className="upload-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`} className="wide">
        {datasetName ? `Upload a new version of ${datasetName}` : "Upload a dataset"}
      </h2>
      {resume && (
        <p className="wide" role="status">
          To resume, choose <strong>{resume.filename}</strong> again: {formatBytes(resume.received ?? 0)} of{" "}
          {formatBytes(resume.size)} are already on the server.
        </p>
      )}
      <label>
        File (CSV or Parquet)
        <input
          ref={fileInput}
          type="file"
          accept=".csv,.tsv,.txt,.parquet,.pq"
          disabled={busy}
          onChange={(e) => {
            const chosen = e.target.files?.[0] ?? null;
            setFile(chosen);
            if (chosen && !name && !datasetName) setName(stem(chosen.name));
            setState({ kind: "idle" });
          }}
        />
      </label>
      <label>
        Name
        <input value={name} maxLength={100} required disabled={busy} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Description <span className="muted">(optional)</span>
        <input value={description} disabled={busy} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Text encoding <span className="muted">(optional; detected when empty)</span>
        <input
          ref={encodingInput}
          value={encoding}
          maxLength={40}
          placeholder="e.g. utf-8, cp1252"
          disabled={busy}
          onChange={(e) => setEncoding(e.target.value)}
        />
      </label>
      <div className="upload-actions wide">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Uploading…" : "Upload"}
        </button>
        {file && <span className="muted">{formatBytes(file.size)}</span>}
      </div>
      {busy && <Progress progress={state.progress} />}
      {missing && (
        <p className="inline-error wide" role="alert">
          {missing}
        </p>
      )}
      {problem && (
        <div className="page-error wide" role="alert">
          <p>
            <strong>{problem.headline}</strong> {problem.detail}
          </p>
          <button type="button" onClick={() => void start(state.kind === "failed" ? state.sha256 : null)}>
            Retry
          </button>
        </div>
      )}
      {state.kind === "done" && (
        <p className="wide" role="status">
          Uploaded <Link to={`/datasets/${state.dataset.id}`}>{`${state.dataset.name} v${state.dataset.version}`}</Link>
          : {state.dataset.rows?.toLocaleString() ?? "?"} rows.
        </p>
      )}
    </form>
  );
}

function Progress({ progress }: { progress: UploadProgress }) {
  const percent = progress.total ? Math.floor((100 * progress.done) / progress.total) : 100;
  const label = PHASE_LABEL[progress.phase];
  return (
    <div className="wide">
      <progress max={100} value={percent} aria-label="Upload progress" aria-valuetext={`${label}: ${percent}%`} />
      <p className="muted" role="status" aria-live="polite">
        {label}… {progress.phase === "completing" ? "" : `${percent}%`}
        {progress.phase === "uploading" && ` (${formatBytes(progress.done)} of ${formatBytes(progress.total)})`}
      </p>
    </div>
  );
}
