// Register a custom module: a Python file, or a zip of Python files with its entry file; the server
// reads its @module declarations in an isolated process and answers what it registered or why not.
import { useId, useRef, useState, type FormEvent } from "react";
import { describeError, useRegisterModule, type Registered } from "./customModulesApi";

const MAX_PY = 1 << 20;
const MAX_ZIP = 5 << 20;

export function RegisterForm({ workspace }: { workspace: string }) {
  const id = useId();
  const register = useRegisterModule();
  const [file, setFile] = useState<File | null>(null);
  const [entry, setEntry] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<Registered | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const isZip = !!file && file.name.toLowerCase().endsWith(".zip");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    if (!file) return setProblem("Choose a Python file (.py) or a zip of Python files first.");
    const limit = isZip ? MAX_ZIP : MAX_PY;
    if (file.size > limit) return setProblem(`The file is larger than ${limit >> 20} MB, the most a ${isZip ? "zip" : "Python file"} may be.`);
    setProblem(null);
    try {
      const result = await register.mutateAsync({ workspace, file, entry: isZip ? entry.trim() : undefined });
      setDone(result);
      setFile(null);
      setEntry("");
      if (fileInput.current) fileInput.current.value = "";
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <form className="upload-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="wide">
        Register a module
      </h2>
      <p className="muted wide">
        A Python file declaring one or more functions with <code>@module(...)</code> from{" "}
        <code>modules_catalog.spec</code>, as the built-ins do — or a zip of files and the entry file holding the
        declarations. A file declaring a key again with a new version adds that version.
      </p>
      <label>
        Module file (.py or .zip)
        <input
          ref={fileInput}
          type="file"
          accept=".py,.zip,text/x-python,application/zip"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
      </label>
      {isZip && (
        <label>
          Entry file in the zip
          <input value={entry} onChange={(e) => setEntry(e.target.value)} placeholder="main.py (or its only .py file)" maxLength={300} />
        </label>
      )}
      <div className="upload-actions">
        <button type="submit" className="primary" disabled={register.isPending}>
          {register.isPending ? "Reading the declaration…" : "Register"}
        </button>
      </div>
      {problem && (
        <p className="inline-error wide" role="alert">
          {problem}
        </p>
      )}
      {done && (
        <div className="wide" role="status">
          <p>
            Registered{" "}
            {done.modules.map((m, i) => (
              <span key={m.id}>
                {i > 0 && ", "}
                <strong>{m.label}</strong> v{m.version}
                {m.is_default ? " (default)" : ""}
              </span>
            ))}
            .
          </p>
          {done.warnings.length > 0 && (
            <ul className="custom-module-warnings">
              {done.warnings.map((w) => (
                <li key={w.message}>{w.message}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
