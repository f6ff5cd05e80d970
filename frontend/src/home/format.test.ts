import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatNumber, formatRelative } from "./format";

describe("format", () => {
  it("writes sizes in binary units", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(20 * 1024 * 1024)).toBe("20 MB");
    expect(formatBytes(null)).toBe("—");
  });

  it("writes durations from milliseconds to hours", () => {
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatDuration(12.34)).toBe("12.3 s");
    expect(formatDuration(245)).toBe("4 min 05 s");
    expect(formatDuration(7380)).toBe("2 h 03 min");
    expect(formatDuration(undefined)).toBe("—");
  });

  it("writes recent times relative to now", () => {
    const now = Date.parse("2026-01-10T12:00:00Z");
    expect(formatRelative("2026-01-10T11:59:50Z", now)).toBe("just now");
    expect(formatRelative("2026-01-10T11:30:00Z", now)).toBe("30 min ago");
    expect(formatRelative("2026-01-09T12:00:00Z", now)).toBe("1 day ago");
  });

  it("keeps small and large numbers readable", () => {
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(0.00001234)).toBe("1.234e-5");
    expect(formatNumber(null)).toBe("—");
  });
});
