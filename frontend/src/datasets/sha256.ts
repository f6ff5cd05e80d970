// Incremental SHA-256 (FIPS 180-4): update() with successive slices of a file, then hex().
// The browser's SubtleCrypto hashes only a whole buffer at once, which for a large dataset would
// mean holding the whole file in memory; this hashes it slice by slice.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const ror = (x: number, n: number) => (x >>> n) | (x << (32 - n));

export class Sha256 {
  private readonly h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private readonly w = new Uint32Array(64);
  private readonly block = new Uint8Array(64); // the bytes of an unfinished 64-byte block
  private pending = 0;
  private length = 0; // bytes hashed so far
  private finished = false;

  update(data: Uint8Array): this {
    if (this.finished) throw new Error("this SHA-256 is finished: make a new one");
    this.absorb(data);
    return this;
  }

  /** Finishes the hash: call once, after the last update(). */
  hex(): string {
    if (this.finished) throw new Error("hex() finishes the hash and can be called only once");
    const bits = this.length * 8;
    const tail = new Uint8Array(this.pending < 56 ? 64 - this.pending : 128 - this.pending);
    tail[0] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.absorb(tail);
    this.finished = true;
    return Array.from(this.h, (word) => word.toString(16).padStart(8, "0")).join("");
  }

  private absorb(data: Uint8Array): void {
    let i = 0;
    this.length += data.length;
    if (this.pending) {
      i = Math.min(64 - this.pending, data.length);
      this.block.set(data.subarray(0, i), this.pending);
      this.pending += i;
      if (this.pending < 64) return;
      this.compress(this.block, 0);
      this.pending = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.compress(data, i);
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.pending = data.length - i;
    }
  }

  private compress(bytes: Uint8Array, at: number): void {
    const w = this.w;
    const h = this.h;
    for (let t = 0; t < 16; t++, at += 4) {
      w[t] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      w[t] = w[t - 16] + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + w[t - 7] + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10));
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let t = 0; t < 64; t++) {
      const t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
  }
}

/** SHA-256 of a blob, read `readSize` bytes at a time; `onProgress(hashedBytes)` after each slice. */
export async function sha256OfBlob(
  blob: Blob,
  { readSize = 4 * 1024 * 1024, onProgress }: { readSize?: number; onProgress?: (done: number) => void } = {},
): Promise<string> {
  const hash = new Sha256();
  for (let at = 0; at < blob.size; at += readSize) {
    hash.update(new Uint8Array(await blob.slice(at, at + readSize).arrayBuffer()));
    onProgress?.(Math.min(at + readSize, blob.size));
  }
  return hash.hex();
}
