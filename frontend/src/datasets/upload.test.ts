// @vitest-environment node
import { describe, expect, it } from "vitest";
import { FakeUploadServer, webSha256 } from "./fakeUploadServer";
import { UploadError, uploadDataset, type UploadProgress } from "./upload";

function fileOf(length: number, name = "data.csv") {
  const bytes = new Uint8Array(length).map((_, i) => 65 + (i % 26));
  return { bytes, file: new File([bytes], name), sha256: webSha256(bytes) };
}

const input = (file: File) => ({ file, workspace: "lab", name: "data" });

describe("uploadDataset", () => {
  it("hashes the file, opens a session and sends it in ordered chunks with rising progress", async () => {
    const server = new FakeUploadServer();
    const { file, bytes, sha256: hashing } = fileOf(10);
    const sha256 = await hashing;
    const progress: UploadProgress[] = [];
    const dataset = await uploadDataset(input(file), {
      fetch: server.fetch,
      chunkSize: 4,
      onProgress: (p) => progress.push(p),
    });
    expect(dataset.id).toBe(7);
    const session = [...server.sessions.values()][0];
    expect(session.sha256).toBe(sha256);
    expect(session.bytes).toEqual(bytes);
    expect(server.requests.filter((r) => r.method === "PUT").map((r) => r.range)).toEqual([
      "bytes 0-3/10",
      "bytes 4-7/10",
      "bytes 8-9/10",
    ]);
    const uploading = progress.filter((p) => p.phase === "uploading").map((p) => p.done);
    expect(uploading).toEqual([0, 4, 8, 10]);
    expect(progress.map((p) => p.phase)).toContain("hashing");
    expect(progress.at(-1)).toEqual({ phase: "done", done: 10, total: 10 });
  });

  it("never sends more than the server's chunk_max in one chunk", async () => {
    const server = new FakeUploadServer();
    server.chunkMax = 3;
    await uploadDataset(input(fileOf(7).file), { fetch: server.fetch, chunkSize: 100 });
    expect(server.requests.filter((r) => r.method === "PUT").map((r) => r.range)).toEqual([
      "bytes 0-2/7",
      "bytes 3-5/7",
      "bytes 6-6/7",
    ]);
  });

  it("resumes from the server's offset when a chunk arrived but its answer was lost", async () => {
    const server = new FakeUploadServer();
    server.failures.push({ kind: "lost-answer", method: "PUT" });
    const { file, bytes } = fileOf(10);
    await uploadDataset(input(file), { fetch: server.fetch, chunkSize: 4 });
    expect([...server.sessions.values()][0].bytes).toEqual(bytes);
    const puts = server.requests.filter((r) => r.method === "PUT").map((r) => r.range);
    expect(puts).toEqual(["bytes 0-3/10", "bytes 4-7/10", "bytes 8-9/10"]); // the stored chunk is not sent twice
  });

  it("resends a chunk that never arrived, after asking the server where it stands", async () => {
    const server = new FakeUploadServer();
    server.failures.push({ kind: "network", method: "PUT" }, { kind: "server-error", method: "PUT" });
    const { file, bytes } = fileOf(6);
    await uploadDataset(input(file), { fetch: server.fetch, chunkSize: 4 });
    expect([...server.sessions.values()][0].bytes).toEqual(bytes);
    expect(server.requests.filter((r) => r.method === "PUT").map((r) => r.range)).toEqual([
      "bytes 0-3/6",
      "bytes 0-3/6",
      "bytes 0-3/6",
      "bytes 4-5/6",
    ]);
  });

  it("gives up after the allowed number of failed chunks in a row, keeping the session to resume", async () => {
    const server = new FakeUploadServer();
    for (let i = 0; i < 3; i++) server.failures.push({ kind: "network", method: "PUT" });
    const { file } = fileOf(6);
    const failed = uploadDataset(input(file), { fetch: server.fetch, chunkSize: 4, retries: 2 });
    await expect(failed).rejects.toMatchObject({ status: null, retryable: true });
    expect(server.sessions.size).toBe(1);
  });

  it("resumes an open session of the same file instead of starting again", async () => {
    const server = new FakeUploadServer();
    const { file, bytes, sha256: hashing } = fileOf(10);
    const sha256 = await hashing;
    const session = server.addSession({ size: 10, sha256, bytes: bytes.slice(0, 4), received: 4 });
    await uploadDataset(input(file), { fetch: server.fetch, chunkSize: 4 });
    expect(server.requests.some((r) => r.method === "POST" && r.url === "/api/v1/uploads/")).toBe(false);
    expect(server.requests.find((r) => r.method === "PUT")?.range).toBe("bytes 4-7/10");
    expect(server.sessions.get(session.id)!.bytes).toEqual(bytes);
  });

  it("does not resume a session of another file or another dataset name", async () => {
    const server = new FakeUploadServer();
    const { file, sha256: hashing } = fileOf(10);
    const sha256 = await hashing;
    server.addSession({ size: 10, sha256, name: "other", received: 4 });
    server.addSession({ size: 10, sha256: "0".repeat(64), received: 4 });
    await uploadDataset(input(file), { fetch: server.fetch, chunkSize: 4 });
    expect(server.requests.filter((r) => r.method === "POST" && r.url === "/api/v1/uploads/")).toHaveLength(1);
  });

  it("reports a refusal the user must act on with the server's message, not as retryable", async () => {
    const server = new FakeUploadServer();
    const failed = uploadDataset(input(fileOf(2000).file), { fetch: server.fetch });
    await expect(failed).rejects.toBeInstanceOf(UploadError);
    await expect(failed).rejects.toMatchObject({ status: 413, code: "too_large", retryable: false });
    await expect(failed).rejects.toThrow(/larger than 1000/);
  });

  it("lets a file the server could not read be completed again with an encoding, without rehashing", async () => {
    const server = new FakeUploadServer();
    server.completeErrors.push({ status: 400, code: "undecodable", message: "not utf-8: give its encoding" });
    const { file, sha256: hashing } = fileOf(5);
    const sha256 = await hashing;
    const error = await uploadDataset(input(file), { fetch: server.fetch }).catch((e: UploadError) => e);
    expect(error).toMatchObject({ code: "undecodable", sha256, retryable: false });
    const phases: string[] = [];
    const dataset = await uploadDataset(
      { ...input(file), encoding: "cp1252", sha256: (error as UploadError).sha256! },
      { fetch: server.fetch, onProgress: (p) => phases.push(p.phase) },
    );
    expect(phases).not.toContain("hashing");
    expect(dataset).toMatchObject({ encoding: "cp1252" });
    expect(server.requests.filter((r) => r.method === "POST" && r.url === "/api/v1/uploads/")).toHaveLength(1);
  });

  it("refuses an empty file before talking to the server", async () => {
    const server = new FakeUploadServer();
    await expect(uploadDataset(input(new File([], "empty.csv")), { fetch: server.fetch })).rejects.toMatchObject({
      code: "empty_file",
    });
    expect(server.requests).toEqual([]);
  });
});
