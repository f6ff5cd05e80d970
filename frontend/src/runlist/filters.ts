// The run list's filters and page as they live in the URL query string, so a reload or a shared
// link shows the same list: ?pipeline=<draft id>&experiment=<name>&status=<status>&offset=<n>.

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunFilters {
  pipeline: number | null; // a draft id
  experiment: string | null;
  status: RunStatus | null;
  offset: number;
}

const isStatus = (value: string | null): value is RunStatus => RUN_STATUSES.includes(value as RunStatus);

function positiveInt(value: string | null): number | null {
  return value && /^\d{1,15}$/.test(value) && Number(value) > 0 ? Number(value) : null;
}

/** The filters a query string names; values the server would refuse are left out. */
export function parseFilters(params: URLSearchParams): RunFilters {
  const status = params.get("status");
  const offset = params.get("offset");
  return {
    pipeline: positiveInt(params.get("pipeline")),
    experiment: params.get("experiment") || null,
    status: isStatus(status) ? status : null,
    offset: offset && /^\d{1,15}$/.test(offset) ? Number(offset) : 0,
  };
}

/** The query string of `filters`, without empty ones (and without offset 0). */
export function filtersToParams(filters: RunFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.pipeline !== null) params.set("pipeline", String(filters.pipeline));
  if (filters.experiment) params.set("experiment", filters.experiment);
  if (filters.status) params.set("status", filters.status);
  if (filters.offset > 0) params.set("offset", String(filters.offset));
  return params;
}

/** `filters` with one filter changed; any change of filter goes back to the first page. */
export function withFilter<K extends Exclude<keyof RunFilters, "offset">>(
  filters: RunFilters,
  key: K,
  value: RunFilters[K],
): RunFilters {
  return { ...filters, [key]: value, offset: 0 };
}

export const hasFilters = (f: RunFilters) => f.pipeline !== null || f.experiment !== null || f.status !== null;
