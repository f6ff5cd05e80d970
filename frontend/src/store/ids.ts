// Fresh node ids that match the document's name rule (^[A-Za-z_][A-Za-z0-9_.-]{0,63}$).
export const NODE_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** The readable stem of an id: "split_data_3" -> "split_data", invalid characters made "_". */
export function idStem(base: string): string {
  let stem = base.replace(/_\d+$/, "").replace(/[^A-Za-z0-9_.-]/g, "_");
  if (!/^[A-Za-z_]/.test(stem)) stem = `n_${stem}`;
  return stem.slice(0, 52) || "node";
}

/** An id starting with `base`'s stem that is not in `taken` (and is then added to it). */
export function freshId(base: string, taken: Set<string>): string {
  const stem = idStem(base);
  for (let n = 1; ; n++) {
    const id = `${stem}_${n}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}
