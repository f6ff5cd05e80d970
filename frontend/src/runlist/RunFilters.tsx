// The three run filters (pipeline, experiment, status) and a way to clear them.
import { RUN_STATUSES, hasFilters, type RunFilters as Filters, type RunStatus } from "./filters";

export interface FilterChoices {
  pipelines: { id: number; name: string }[];
  experiments: string[];
}

export function RunFilters({
  filters,
  choices,
  onChange,
  onClear,
}: {
  filters: Filters;
  choices: FilterChoices;
  onChange: <K extends "pipeline" | "experiment" | "status">(key: K, value: Filters[K]) => void;
  onClear: () => void;
}) {
  const pipelines = [...choices.pipelines];
  if (filters.pipeline !== null && !pipelines.some((p) => p.id === filters.pipeline)) {
    pipelines.push({ id: filters.pipeline, name: `pipeline #${filters.pipeline}` }); // e.g. a deleted draft
  }
  const experiments = [...choices.experiments];
  if (filters.experiment && !experiments.includes(filters.experiment)) experiments.push(filters.experiment);

  return (
    <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <label>
        Pipeline
        <select
          value={filters.pipeline ?? ""}
          onChange={(e) => onChange("pipeline", e.target.value ? Number(e.target.value) : null)}
        >
          <option value="">All pipelines</option>
          {pipelines.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Experiment
        <select value={filters.experiment ?? ""} onChange={(e) => onChange("experiment", e.target.value || null)}>
          <option value="">All experiments</option>
          {experiments.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select
          value={filters.status ?? ""}
          onChange={(e) => onChange("status", (e.target.value || null) as RunStatus | null)}
        >
          <option value="">Any status</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {hasFilters(filters) && (
        <button type="button" onClick={onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}
