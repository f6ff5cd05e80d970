// A dataset parameter: one of the workspace's registered datasets (GET /api/v1/datasets/, a page
// of versions filtered by workspace slug) and a version of it, or its newest version.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type components } from "../../api/client";
import { useWorkspaces } from "../../app/hooks";
import { FieldMessage, type FieldIds } from "../FieldShell";
import type { DatasetRef } from "../values";

type Dataset = components["schemas"]["Dataset"];

const PAGE = 1000; // the API's largest page
const MAX_PAGES = 20; // 20,000 dataset versions: more than a picker can usefully list

/** The workspace's slug (the datasets filter takes it), from the id the panel is given; null when
 * the workspaces are known and none has that id. */
function useWorkspaceSlug(workspaceId: number, given?: string): string | null | undefined {
  const { data, isError } = useWorkspaces();
  if (given) return given;
  if (isError) return null;
  return data ? (data.find((w) => w.id === workspaceId)?.slug ?? null) : undefined;
}

export function useWorkspaceDatasets(workspaceId: number, workspaceSlug?: string) {
  const slug = useWorkspaceSlug(workspaceId, workspaceSlug);
  const query = useQuery({
    queryKey: ["datasets", slug, "all-versions"],
    enabled: typeof slug === "string",
    queryFn: async () => {
      const all: Dataset[] = [];
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = { workspace: slug ?? undefined, limit: PAGE, offset: all.length };
        const answer = unwrap(await api.GET("/api/v1/datasets/", { params: { query } }));
        all.push(...answer.results);
        if (!answer.next || answer.results.length === 0) break;
      }
      return all;
    },
  });
  return { ...query, noWorkspace: slug === null };
}

/** Versions by dataset name, newest first. */
export function groupByName(datasets: Dataset[]): Map<string, Dataset[]> {
  const byName = new Map<string, Dataset[]>();
  for (const d of datasets) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  for (const versions of byName.values()) versions.sort((a, b) => b.version - a.version);
  return new Map([...byName].sort(([a], [b]) => a.localeCompare(b)));
}

function describe(d: Dataset): string {
  const rows = d.rows === null ? "" : `, ${d.rows.toLocaleString()} rows`;
  const file = d.original_filename ? `, ${d.original_filename}` : "";
  return `v${d.version}${rows}${file}`;
}

export interface DatasetPickerProps {
  ids: FieldIds;
  workspaceId: number;
  workspaceSlug?: string;
  value: DatasetRef | null;
  required?: boolean;
  onCommit(value: DatasetRef | undefined): void;
}

export function DatasetPicker({ ids, workspaceId, workspaceSlug, value, required, onCommit }: DatasetPickerProps) {
  const { data, error, isPending: waiting, noWorkspace } = useWorkspaceDatasets(workspaceId, workspaceSlug);
  const isPending = waiting && !noWorkspace;
  const byName = groupByName(data ?? []);
  const versions = value ? byName.get(value.name) : undefined;
  let message: string | null = null;
  if (noWorkspace) message = "The datasets could not be listed: this workspace is not among yours (or the list failed).";
  else if (error) message = `The datasets could not be loaded: ${error.message}`;
  else if (data && byName.size === 0) message = "No dataset is registered in this workspace yet; upload one on the Datasets page.";
  else if (data && value && !versions) message = `There is no dataset named ${value.name} in this workspace; choose another.`;
  else if (versions && value?.version != null && !versions.some((d) => d.version === value.version)) {
    message = `${value.name} has no version ${value.version}; choose another.`;
  }
  const nameId = ids.control;
  const versionId = `${ids.control}-version`;
  return (
    <div className="gw-dataset-picker" aria-busy={isPending || undefined}>
      <label htmlFor={nameId}>Name</label>
      <select
        id={nameId}
        className="gw-input"
        value={value?.name ?? ""}
        aria-required={required || undefined}
        aria-invalid={message !== null || undefined}
        aria-describedby={ids.describedBy}
        onChange={(event) => onCommit(event.target.value ? { name: event.target.value, version: null } : undefined)}
      >
        <option value="">{isPending ? "Loading datasets…" : "— choose a dataset —"}</option>
        {value && !versions && <option value={value.name}>{value.name} (not found)</option>}
        {[...byName.keys()].map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <label htmlFor={versionId}>Version</label>
      <select
        id={versionId}
        className="gw-input"
        value={value?.version ?? ""}
        disabled={!value}
        aria-describedby={ids.describedBy}
        onChange={(event) =>
          value && onCommit({ name: value.name, version: event.target.value ? Number(event.target.value) : null })
        }
      >
        <option value="">{versions ? `Newest (v${versions[0].version})` : "Newest"}</option>
        {value?.version != null && !versions?.some((d) => d.version === value.version) && (
          <option value={value.version}>v{value.version} (not found)</option>
        )}
        {versions?.map((d) => (
          <option key={d.id} value={d.version}>
            {describe(d)}
          </option>
        ))}
      </select>
      <FieldMessage id={ids.message} message={message} />
    </div>
  );
}
