// What an upload's failure means to the person uploading, and what they can do about it.
import { UploadError } from "./upload";
import { errorMessage } from "../home/status";

const NOT_A_TABLE = new Set(["malformed_csv", "unsupported_data", "unreadable_parquet", "unsupported_format", "empty_file"]);

export interface UploadProblem {
  headline: string;
  detail: string;
  /** Whether the encoding field is the way out. */
  askEncoding: boolean;
}

/** "message" + " Next step." with exactly one full stop between them. */
const then = (message: string, next: string) => `${message.replace(/[.\s]+$/, "")}. ${next}`;

export function describeUploadError(error: unknown): UploadProblem {
  const detail = errorMessage(error);
  if (!(error instanceof UploadError)) return { headline: "The upload failed.", detail, askEncoding: false };
  const code = error.code ?? "";
  if (error.status === null) {
    return {
      headline: "The connection to the server was lost.",
      detail: then(detail, "Retry resumes where the upload stopped."),
      askEncoding: false,
    };
  }
  if (code === "too_large") return { headline: "The file is too large for this server.", detail, askEncoding: false };
  if (code === "no_space") {
    return { headline: "The server has no space left for this file.", detail, askEncoding: false };
  }
  if (code === "undecodable" || code === "unknown_encoding") {
    return {
      headline: "The file's text could not be read.",
      detail: then(detail, "Give its text encoding (for example cp1252 or latin-1) and retry."),
      askEncoding: true,
    };
  }
  if (NOT_A_TABLE.has(code)) return { headline: "This file is not a table Graphwright can read.", detail, askEncoding: false };
  if (code === "checksum_mismatch" || code === "size_mismatch") {
    return {
      headline: "The file arrived damaged or changed while it was sent.",
      detail: then(detail, "Retry sends it again."),
      askEncoding: false,
    };
  }
  if (error.status >= 500) {
    return { headline: "The server had a problem.", detail: then(detail, "Retry resumes the upload."), askEncoding: false };
  }
  return { headline: "The upload was refused.", detail, askEncoding: false };
}
