// A dataset upload through the chunked, resumable upload API (designer/api/uploads.py): hash the
// file (incremental SHA-256), open a session or resume the one already holding part of this file,
// send the rest in chunks with progress, complete. Failed chunks resume from what the server has.
import { csrfToken, type components } from "../api/client";
import { sha256OfBlob } from "./sha256";

export type UploadSession = components["schemas"]["Upload"];
export type DatasetDetail = components["schemas"]["DatasetDetail"];

export type UploadPhase = "hashing" | "uploading" | "completing" | "done";

export interface UploadProgress {
  phase: UploadPhase;
  done: number;
  total: number;
}

export interface UploadInput {
  file: Blob & { name: string };
  workspace: string; // slug
  name: string;
  description?: string;
  encoding?: string;
  /** The file's SHA-256 when already known (a retry), to skip hashing it again. */
  sha256?: string;
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  /** At most this many bytes a chunk (the server's chunk_max caps it). */
  chunkSize?: number;
  /** Failed chunks in a row that are retried (from the server's offset) before giving up. */
  retries?: number;
  readSize?: number;
  fetch?: typeof fetch;
}

/** Why an upload stopped: the server's structured error, or an unreachable server. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number | null, // null: no answer (network)
    readonly code: string | null,
    readonly field: string | null = null,
    readonly sha256: string | null = null,
  ) {
    super(message);
  }

  /** Whether trying again (resuming) can succeed without changing the file. */
  get retryable(): boolean {
    if (this.status === null || this.status >= 500) return true;
    return ["offset_mismatch", "upload_busy", "incomplete", "conflict", "checksum_mismatch"].includes(
      this.code ?? "",
    );
  }

  withSha256(sha256: string): UploadError {
    return new UploadError(this.message, this.status, this.code, this.field, sha256);
  }
}

const RETRIES = 3;

type Fetch = typeof fetch;

/** The CSRF token session writes echo (none outside a browser page, where a token authenticates). */
const csrf = () => (typeof document === "undefined" ? "" : csrfToken());

async function call<T>(fetchFn: Fetch, method: string, url: string, body?: BodyInit, headers: HeadersInit = {}) {
  let response: Response;
  try {
    response = await fetchFn(url, {
      method,
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), ...headers },
    });
  } catch (err) {
    throw new UploadError(`the server could not be reached (${(err as Error).message})`, null, null);
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: a proxy's HTML error page
  }
  if (!response.ok) throw errorOf(response.status, data);
  return data as T;
}

function errorOf(status: number, data: unknown): UploadError {
  const errors = (data as { errors?: { message: string; code?: string; field?: string }[] } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0];
    return new UploadError(errors.map((e) => e.message).join("; "), status, first.code ?? null, first.field ?? null);
  }
  const detail = (data as { detail?: unknown } | null)?.detail;
  return new UploadError(typeof detail === "string" ? detail : `the server answered ${status}`, status, null);
}

const json = (body: unknown) => [JSON.stringify(body), { "Content-Type": "application/json" }] as const;

/** An open session of this same file (name, workspace, bytes), to resume instead of starting over. */
async function findSession(fetchFn: Fetch, input: UploadInput, sha256: string): Promise<UploadSession | null> {
  const page = await call<{ results: UploadSession[] }>(fetchFn, "GET", "/api/v1/uploads/?limit=1000");
  const match = page.results.find(
    (s) =>
      s.status !== "completed" &&
      s.workspace === input.workspace &&
      s.name === input.name &&
      s.filename === input.file.name &&
      s.size === input.file.size &&
      s.sha256.toLowerCase() === sha256,
  );
  return match ?? null;
}

async function openSession(fetchFn: Fetch, input: UploadInput, sha256: string): Promise<UploadSession> {
  const existing = await findSession(fetchFn, input, sha256);
  if (existing) return existing;
  const [body, headers] = json({
    workspace: input.workspace,
    name: input.name,
    filename: input.file.name,
    size: input.file.size,
    sha256,
    description: input.description ?? "",
    encoding: input.encoding ?? "",
  });
  return call<UploadSession>(fetchFn, "POST", "/api/v1/uploads/", body, headers);
}

/** Sends the file from the session's `received` offset to its end, chunk by chunk. */
export async function sendChunks(
  fetchFn: Fetch,
  file: Blob,
  session: UploadSession,
  chunkSize: number,
  { retries = RETRIES, onProgress }: { retries?: number; onProgress?: (done: number) => void } = {},
): Promise<void> {
  const url = `/api/v1/uploads/${session.id}/`;
  let offset = session.received ?? 0;
  let failures = 0;
  onProgress?.(offset);
  while (offset < file.size) {
    const end = Math.min(offset + chunkSize, file.size);
    try {
      const state = await call<UploadSession>(fetchFn, "PUT", url, file.slice(offset, end), {
        "Content-Type": "application/octet-stream",
        "Content-Range": `bytes ${offset}-${end - 1}/${file.size}`,
      });
      offset = state.received ?? end;
      failures = 0;
    } catch (err) {
      if (!(err instanceof UploadError) || !err.retryable || ++failures > retries) throw err;
      // resume from what the server has: the chunk may have arrived even if its answer did not
      offset = (await call<UploadSession>(fetchFn, "GET", url)).received ?? offset;
    }
    onProgress?.(offset);
  }
}

/** Uploads `input.file` as a new version of dataset `input.name`; resolves to the dataset. */
export async function uploadDataset(input: UploadInput, options: UploadOptions = {}): Promise<DatasetDetail> {
  const fetchFn = options.fetch ?? ((...args: Parameters<Fetch>) => globalThis.fetch(...args));
  const total = input.file.size;
  const report = (phase: UploadPhase, done: number) => options.onProgress?.({ phase, done, total });
  if (total === 0) throw new UploadError("the file is empty: choose a file with data in it", 400, "empty_file", "file");
  const sha256 =
    input.sha256 ??
    (await sha256OfBlob(input.file, { readSize: options.readSize, onProgress: (n) => report("hashing", n) }));
  try {
    const session = await openSession(fetchFn, input, sha256);
    const chunkSize = Math.max(1, Math.min(session.chunk_max, options.chunkSize ?? session.chunk_max));
    await sendChunks(fetchFn, input.file, session, chunkSize, {
      retries: options.retries,
      onProgress: (n) => report("uploading", n),
    });
    report("completing", total);
    const [body, headers] = json({ encoding: input.encoding ?? "" });
    const dataset = await call<DatasetDetail>(fetchFn, "POST", `/api/v1/uploads/${session.id}/complete/`, body, headers);
    report("done", total);
    return dataset;
  } catch (err) {
    throw err instanceof UploadError ? err.withSha256(sha256) : err;
  }
}
