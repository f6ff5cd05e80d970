// @vitest-environment node
import { describe, expect, it } from "vitest";
import { webSha256 } from "./fakeUploadServer";
import { Sha256, sha256OfBlob } from "./sha256";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("Sha256", () => {
  it("matches the FIPS 180-4 / NIST test vectors", () => {
    expect(new Sha256().hex()).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(new Sha256().update(bytes("abc")).hex()).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(new Sha256().update(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).hex()).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    const million = new Uint8Array(1_000_000).fill("a".charCodeAt(0));
    expect(new Sha256().update(million).hex()).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
  });

  it("gives the same hash however the input is cut into updates", async () => {
    const data = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
    const expected = await webSha256(data);
    for (const cut of [1, 3, 55, 56, 63, 64, 65, 127, 128, 999]) {
      const hash = new Sha256();
      for (let at = 0; at < data.length; at += cut) hash.update(data.subarray(at, at + cut));
      expect(hash.hex(), `slices of ${cut}`).toBe(expected);
    }
  });

  it("hashes lengths around the padding boundary like the platform's WebCrypto", async () => {
    for (const n of [55, 56, 57, 63, 64, 119, 120]) {
      const data = new Uint8Array(n).fill(n);
      expect(new Sha256().update(data).hex()).toBe(await webSha256(data));
    }
  });

  it("refuses to be used after it is finished", () => {
    const hash = new Sha256();
    hash.hex();
    expect(() => hash.hex()).toThrow(/only once/);
    expect(() => hash.update(bytes("x"))).toThrow(/finished/);
  });
});

describe("sha256OfBlob", () => {
  it("hashes a blob slice by slice and reports the bytes hashed", async () => {
    const data = new Uint8Array(10_000).map((_, i) => i & 0xff);
    const seen: number[] = [];
    const hex = await sha256OfBlob(new Blob([data]), { readSize: 4096, onProgress: (n) => seen.push(n) });
    expect(hex).toBe(await webSha256(data));
    expect(seen).toEqual([4096, 8192, 10_000]);
  });
});
