// The fields of a compute target, per kind: a new target (name and kind too) or an existing one's
// settings. The server checks every value (bounds, patterns) and says which field it refused.
import { useId, useState, type FormEvent } from "react";
import { describeError, KINDS, type TargetKind, type TargetSettings } from "./targetsApi";

interface Field {
  key: string;
  label: string;
  type: "number" | "text" | "checkbox";
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
}

const FIELDS: Record<TargetKind, Field[]> = {
  local: [{ key: "concurrency", label: "Concurrency", type: "number", min: 1, max: 64 }],
  celery: [{ key: "queue", label: "Queue", type: "text", placeholder: "e.g. gpu" }],
  docker: [
    { key: "image", label: "Image", type: "text", placeholder: "graphwright-step:latest" },
    { key: "environment", label: "Environment", type: "text", placeholder: "or a named environment" },
    { key: "docker_host", label: "Docker host URL", type: "text", placeholder: "unix:///var/run/docker.sock" },
    { key: "cpus", label: "CPUs", type: "number", min: 0.1, max: 64, step: 0.1 },
    { key: "memory_mb", label: "Memory (MB)", type: "number", min: 64, max: 262144 },
    { key: "pids", label: "Processes (pids)", type: "number", min: 16, max: 32768 },
    { key: "concurrency", label: "Concurrency", type: "number", min: 1, max: 64 },
    { key: "network", label: "Network access", type: "checkbox" },
  ],
};

type Values = Record<string, string | boolean>;

function toValues(settings: TargetSettings): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(settings)) out[key] = typeof value === "boolean" ? value : String(value ?? "");
  return out;
}

/** The settings to send: numbers as numbers, empty fields left out (the server's defaults). */
export function toSettings(kind: TargetKind, values: Values): TargetSettings {
  const out: TargetSettings = {};
  for (const field of FIELDS[kind]) {
    const value = values[field.key];
    if (field.type === "checkbox") out[field.key] = value === true;
    else if (typeof value === "string" && value.trim() !== "")
      out[field.key] = field.type === "number" ? Number(value) : value.trim();
  }
  return out;
}

interface Props {
  /** an existing target: only its settings are edited */
  existing?: { name: string; kind: TargetKind; settings: TargetSettings };
  pending: boolean;
  onSubmit: (input: { name: string; kind: TargetKind; settings: TargetSettings }) => Promise<unknown>;
  onCancel?: () => void;
}

export function TargetForm({ existing, pending, onSubmit, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState(existing?.name ?? "");
  const [kind, setKind] = useState<TargetKind>(existing?.kind ?? "local");
  const [values, setValues] = useState<Values>(existing ? toValues(existing.settings) : { concurrency: "1" });
  const [problem, setProblem] = useState<string | null>(null);
  const title = existing ? `Settings of ${existing.name}` : "Add a compute target";

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      await onSubmit({ name: name.trim(), kind, settings: toSettings(kind, values) });
      if (!existing) {
        setName("");
        setValues({ concurrency: "1" });
      }
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <form className="upload-form" onSubmit={submit} aria-label={title} noValidate>
      <h2 id={`${id}-title`} className="wide">
        {title}
      </h2>
      {!existing && (
        <>
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required placeholder="e.g. big-box" />
          </label>
          <label>
            Kind
            <select
              value={kind}
              onChange={(e) => {
                const next = e.target.value as TargetKind;
                setKind(next);
                setValues(next === "local" ? { concurrency: "1" } : {}); // the server's defaults for the rest
              }}
            >
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
          <p className="muted wide">{KINDS.find((k) => k.value === kind)?.help}</p>
        </>
      )}
      {FIELDS[kind].map((field) =>
        field.type === "checkbox" ? (
          <label key={field.key}>
            <input
              type="checkbox"
              checked={values[field.key] === true}
              onChange={(e) => setValues({ ...values, [field.key]: e.target.checked })}
            />{" "}
            {field.label}
          </label>
        ) : (
          <label key={field.key}>
            {field.label}
            <input
              type={field.type}
              min={field.min}
              max={field.max}
              step={field.step}
              placeholder={field.placeholder}
              value={typeof values[field.key] === "string" ? (values[field.key] as string) : ""}
              onChange={(e) => setValues({ ...values, [field.key]: e.target.value })}
            />
          </label>
        ),
      )}
      <div className="upload-actions">
        <button type="submit" className="primary" disabled={pending}>
          {existing ? "Save" : "Add target"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {problem && (
        <p className="inline-error wide" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
