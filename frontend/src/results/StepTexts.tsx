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

export function ErrorView({ error, traceback, reason, title }: { error: string; traceback: string; reason: string; title: string }) {
  if (!error && !traceback) return <p>This step has no error.</p>;
  return (
    <div className="step-error">
      <p role="alert" className="step-error-message">
        {error || "The step failed."}
        {reason && reason !== "error" && <span className="step-error-reason"> ({reason})</span>}
      </p>
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
