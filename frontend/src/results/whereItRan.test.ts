import { describe, expect, it } from "vitest";
import { whereItRan } from "./ResultsPanel";

describe("whereItRan", () => {
  it("names the target, then the host, worker and container the step recorded", () => {
    expect(whereItRan({ target: "solo", host: "box-1", worker: "", container: "" })).toBe("target solo · host box-1");
    expect(whereItRan({ target: "farm", host: "w2", worker: "celery@w2", container: "" })).toBe(
      "target farm · host w2 · worker celery@w2",
    );
    expect(whereItRan({ target: "docker", host: "h", worker: "", container: "gw-r1-s2-a1" })).toBe(
      "target docker · host h · container gw-r1-s2-a1",
    );
    expect(whereItRan(undefined)).toBe("");
  });
});
