import { describe, expect, it } from "vitest";
import { UploadError } from "./upload";
import { describeUploadError } from "./uploadMessages";

describe("describeUploadError", () => {
  it("joins the server's sentence and the next step with one full stop", () => {
    const problem = describeUploadError(new UploadError("it looks like binary data.", 400, "undecodable"));
    expect(problem.detail).toBe("it looks like binary data. Give its text encoding (for example cp1252 or latin-1) and retry.");
    expect(problem.askEncoding).toBe(true);
  });

  it("tells a lost connection from a refusal", () => {
    expect(describeUploadError(new UploadError("offline", null, null)).headline).toMatch(/connection/);
    expect(describeUploadError(new UploadError("bad name", 400, "invalid_name")).headline).toBe("The upload was refused.");
    expect(describeUploadError(new UploadError("x", 400, "malformed_csv")).headline).toMatch(/not a table/);
  });
});
