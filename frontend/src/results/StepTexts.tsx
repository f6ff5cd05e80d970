// A step's log (streaming while it runs) and its error with the user's traceback.
import { useEffect, useRef } from "react";

export function LogView({ text, streaming, title }: { text: string; streaming: boolean; title: string }) {
  const ref = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  if (!text) return <p>{streaming ? "Waiting for the step to write to its log…" : "The step wrote nothing to its log."}</p>;
  return (
    <>
      {streaming && <p className="log-streaming">Streaming while the step runs.</p>}
      <pre
        ref={ref}
        className="step-log"
        role="log"
        aria-label={`Log of ${title}`}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {text}
      </pre>
    </>
  );
}

/** How a failure's class reads (engine/failures.py). */
const FAILURE_WORDS: Record<string, string> = {
  user_code: "user code",
  timeout: "timeout",
  memory: "out of memory",
  lost: "lost",
  launch: "launch",
  infrastructure: "infrastructure",
};

export interface AttemptBrief {
  number: number;
  status: string;
  reason: string;
  failure: string;
}

export function ErrorView({
  error,
  traceback,
  reason,
  failure = "",
  attempts = [],
  title,
}: {
  error: string;
  traceback: string;
  reason: string;
  failure?: string;
  attempts?: AttemptBrief[];
  title: string;
}) {
  if (!error && !traceback) return <p>This step has no error.</p>;
  const failedAttempts = attempts.filter((a) => a.failure);
  return (
    <div className="step-error">
      <p role="alert" className="step-error-message">
        {error || "The step failed."}
        {reason && reason !== "error" && <span className="step-error-reason"> ({reason})</span>}
      </p>
      {failure && <p className="step-error-class">Failure class: {FAILURE_WORDS[failure] ?? failure}</p>}
      {attempts.length > 1 && failedAttempts.length > 0 && (
        <ul aria-label={`Attempts of ${title}`} className="step-attempts">
          {attempts.map((a) => (
            <li key={a.number}>
              Attempt {a.number}: {a.status}
              {a.failure ? ` (${FAILURE_WORDS[a.failure] ?? a.failure}${a.reason && a.reason !== a.failure ? `: ${a.reason}` : ""})` : ""}
            </li>
          ))}
        </ul>
      )}
      {traceback && (
        <>
          <h3>Traceback</h3>
          <pre className="step-traceback" tabIndex={0} aria-label={`Traceback of ${title}`}>
            {traceback}
          </pre>
        </>
      )}
    </div>
  );
}
