// An in-memory stand-in for the chunked upload API (designer/api/uploads.py), for unit tests of
// the upload client: it keeps sessions and their bytes, and can be told to fail in the ways a
// network and a server fail.
import type { UploadSession } from "./upload";

interface Session extends UploadSession {
  bytes: Uint8Array;
}

export interface Failure {
  /** "lost-answer": the chunk is stored but the answer never arrives; "network": nothing arrives. */
  kind: "lost-answer" | "network" | "server-error";
  method: string;
}

export class FakeUploadServer {
  sessions = new Map<string, Session>();
  requests: { method: string; url: string; range?: string | null }[] = [];
  failures: Failure[] = [];
  completeErrors: { status: number; code: string; message: string }[] = [];
  chunkMax = 1 << 20;
  private next = 1;

  addSession(fields: Partial<Session> & { size: number; sha256: string }): Session {
    const id = String(this.next++).padStart(32, "0");
    const session: Session = {
      id,
      workspace: "lab",
      name: "data",
      filename: "data.csv",
      received: 0,
      status: "open",
      dataset: null,
      chunk_max: this.chunkMax,
      created_at: "",
      updated_at: "",
      expires_at: "",
      ...fields,
      bytes: fields.bytes ?? new Uint8Array(0),
    };
    this.sessions.set(id, session);
    return session;
  }

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const method = init.method ?? "GET";
    const headers = new Headers(init.headers);
    this.requests.push({ method, url, range: headers.get("Content-Range") });
    const failure = this.failures[0]?.method === method ? this.failures.shift() : undefined;
    if (failure?.kind === "network") throw new TypeError("Failed to fetch");
    if (failure?.kind === "server-error") return new Response("<h1>Bad gateway</h1>", { status: 502 });
    const response = await this.handle(method, url, init.body ?? null, headers);
    if (failure?.kind === "lost-answer") throw new TypeError("network connection lost");
    return response;
  };

  private async handle(method: string, url: string, body: BodyInit | null, headers: Headers) {
    const path = url.split("?")[0];
    if (path === "/api/v1/uploads/" && method === "GET") {
      return reply({ count: this.sessions.size, next: null, previous: null, results: [...this.sessions.values()].map(strip) });
    }
    if (path === "/api/v1/uploads/" && method === "POST") {
      const data = JSON.parse(String(body));
      if (data.size > 1000) return error(413, "too_large", `the upload is ${data.size} bytes, larger than 1000`);
      return reply(strip(this.addSession(data)), 201);
    }
    const match = path.match(/^\/api\/v1\/uploads\/(\w+)\/(complete\/)?$/);
    const session = match && this.sessions.get(match[1]);
    if (!session) return error(404, "not_found", "upload session not found");
    if (match[2]) return this.complete(session, String(body));
    if (method === "GET") return reply(strip(session));
    const [, first, last, total] = headers.get("Content-Range")!.match(/bytes (\d+)-(\d+)\/(\d+)/)!.map(Number);
    if (total !== session.size) return error(400, "size_mismatch", "sizes differ");
    if (first !== session.received) return error(409, "offset_mismatch", `the next chunk starts at ${session.received}`);
    const chunk = new Uint8Array(await (body as Blob).arrayBuffer());
    if (chunk.length !== last - first + 1) return error(400, "invalid_chunk", "bad length");
    const bytes = new Uint8Array(session.bytes.length + chunk.length);
    bytes.set(session.bytes);
    bytes.set(chunk, session.bytes.length);
    session.bytes = bytes;
    session.received = bytes.length;
    return reply(strip(session));
  }

  private async complete(session: Session, body: string) {
    const refusal = this.completeErrors.shift();
    if (refusal) return error(refusal.status, refusal.code, refusal.message);
    if (session.received !== session.size) return error(400, "incomplete", "the upload is incomplete");
    const digest = await webSha256(session.bytes);
    if (digest !== session.sha256) {
      this.sessions.delete(session.id);
      return error(400, "checksum_mismatch", "checksum differs; start a new upload");
    }
    session.status = "completed";
    const { encoding } = JSON.parse(body);
    return reply({ id: 7, name: session.name, version: 1, rows: 3, encoding }, 201);
  }
}

/** SHA-256 by the platform's WebCrypto: the reference the hand-written one is checked against. */
export async function webSha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function strip({ bytes: _bytes, ...session }: Session): UploadSession {
  return session;
}

function reply(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function error(status: number, code: string, message: string) {
  return reply({ errors: [{ code, message }] }, status);
}
