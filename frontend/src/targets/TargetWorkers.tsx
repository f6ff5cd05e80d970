// The Celery workers listening on a celery target's queue, as the targets API reports them (each
// worker writes its presence to Redis every beat): name, host, last heartbeat, what it runs now.
import type { ComputeTarget } from "./targetsApi";

type Worker = NonNullable<ComputeTarget["workers"]>[number];

export function secondsAgo(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return "unknown";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  return `${seconds} s ago`;
}

function describeRunning(worker: Worker): string {
  const running = (worker.running ?? []) as { run?: number; node?: string; module?: string }[];
  if (running.length === 0) return "idle";
  return (
    "running " +
    running
      .slice(0, 5)
      .map((r) => `${String(r.node ?? "?")} (${String(r.module ?? "?")}, run ${String(r.run ?? "?")})`)
      .join(", ") +
    (running.length > 5 ? ` and ${running.length - 5} more` : "")
  );
}

export function TargetWorkers({ target }: { target: ComputeTarget }) {
  if (target.kind !== "celery") return null;
  const workers = target.workers ?? [];
  if (workers.length === 0) {
    return (
      <div className="muted" data-workers={target.name}>
        No worker listening — start one with <code>manage.py worker --target {target.name}</code>
      </div>
    );
  }
  return (
    <ul className="target-workers" data-workers={target.name} aria-label={`Workers of ${target.name}`}>
      {workers.map((w) => (
        <li key={`${w.worker}-${w.pid}`}>
          <strong>{w.worker}</strong> on {w.host} · heartbeat {secondsAgo(w.heartbeat_at)} · {describeRunning(w)}
        </li>
      ))}
    </ul>
  );
}
