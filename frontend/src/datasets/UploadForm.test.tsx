import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

vi.mock("./upload", async (original) => ({ ...(await original<typeof import("./upload")>()), uploadDataset: vi.fn() }));

import { renderAt } from "../home/testServer";
import { UploadError, uploadDataset, type UploadOptions } from "./upload";
import { UploadForm } from "./UploadForm";

const upload = vi.mocked(uploadDataset);
const DATASET = { id: 31, name: "customers", version: 2, rows: 1200 };

beforeEach(() => {
  upload.mockReset();
});

async function chooseFile(name = "customers.csv") {
  const file = new File(["a,b\n1,2\n"], name, { type: "text/csv" });
  await userEvent.upload(screen.getByLabelText("File (CSV or Parquet)"), file);
  return file;
}

describe("UploadForm", () => {
  it("names the dataset after the file and shows the progress of each phase", async () => {
    let report: UploadOptions["onProgress"];
    let finish: (value: unknown) => void = () => {};
    upload.mockImplementation((_input, options) => {
      report = options?.onProgress;
      return new Promise((resolve) => (finish = resolve)) as never;
    });
    renderAt(<UploadForm workspace="lab" />);
    const file = await chooseFile();
    expect(screen.getByRole("textbox", { name: "Name" })).toHaveValue("customers");
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect(upload).toHaveBeenCalledWith(
      expect.objectContaining({ file, workspace: "lab", name: "customers", encoding: "" }),
      expect.anything(),
    );
    report!({ phase: "uploading", done: 3, total: 8 });
    const bar = await screen.findByRole("progressbar", { name: "Upload progress" });
    await waitFor(() => expect(bar).toHaveAttribute("value", "37"));
    expect(screen.getByText(/Uploading… 37%/)).toBeInTheDocument();
    finish(DATASET);
    expect(await screen.findByRole("link", { name: "customers v2" })).toHaveAttribute("href", "/datasets/31");
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
  });

  it("says clearly when the file is not a table, and retries without hashing again", async () => {
    upload.mockRejectedValueOnce(
      new UploadError("'x.csv' has no columns", 400, "malformed_csv", "file", "ab".repeat(32)),
    );
    upload.mockResolvedValueOnce(DATASET as never);
    renderAt(<UploadForm workspace="lab" />);
    await chooseFile();
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("This file is not a table Graphwright can read.");
    expect(alert).toHaveTextContent("'x.csv' has no columns");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(upload).toHaveBeenLastCalledWith(expect.objectContaining({ sha256: "ab".repeat(32) }), expect.anything());
    expect(await screen.findByRole("link", { name: "customers v2" })).toBeInTheDocument();
  });

  it.each([
    [new UploadError("the upload is 3 GB, larger than the limit of 2 GB", 413, "too_large"), "too large"],
    [new UploadError("no space left on device", 507, "no_space"), "no space left"],
    [new UploadError("the server could not be reached (Failed to fetch)", null, null), "connection to the server was lost"],
  ])("explains %s", async (error, headline) => {
    upload.mockRejectedValueOnce(error);
    renderAt(<UploadForm workspace="lab" />);
    await chooseFile();
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(new RegExp(headline, "i"));
    expect(alert).toHaveTextContent(error.message);
    expect(screen.getByRole("button", { name: "Retry" })).toBeEnabled();
  });

  it("asks for the text encoding when the file could not be decoded, and sends it on retry", async () => {
    upload.mockRejectedValueOnce(new UploadError("not utf-8", 400, "undecodable", "file", "cd".repeat(32)));
    upload.mockResolvedValueOnce(DATASET as never);
    renderAt(<UploadForm workspace="lab" />);
    await chooseFile();
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    const encoding = screen.getByRole("textbox", { name: /Text encoding/ });
    await waitFor(() => expect(encoding).toHaveFocus());
    await userEvent.type(encoding, "cp1252");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(upload).toHaveBeenLastCalledWith(
      expect.objectContaining({ encoding: "cp1252", sha256: "cd".repeat(32) }),
      expect.anything(),
    );
  });

  it("asks for a file before uploading anything", async () => {
    renderAt(<UploadForm workspace="lab" />);
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Choose a CSV or Parquet file first.");
    expect(upload).not.toHaveBeenCalled();
  });
});
