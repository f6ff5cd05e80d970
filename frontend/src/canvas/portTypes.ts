// How each port type looks, shared by the editing canvas and the run graph (colour-blind-safe
// palette; the name is always written beside the colour, never colour alone).

const COLORS: Record<string, string> = {
  DataFrame: "#0072b2",
  UntrainedModel: "#e69f00",
  Model: "#d55e00",
  Transform: "#009e73",
  Metrics: "#cc79a7",
  AnyFile: "#6b7280",
};

export function portColor(type: string): string {
  return COLORS[type] ?? "#6b7280";
}

/** A port type as a person reads it ("UntrainedModel" -> "Untrained model"). */
export function portTypeLabel(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, "$1 $2").split(" ");
  return words.map((w, i) => (i === 0 ? w : w.toLowerCase())).join(" ");
}
