"""Draw cost per node against graph size from bench/scale.py's JSON documents, as one SVG file (no
plotting library: a few lines, log-scaled axes, a legend).

    .venv/bin/python bench/plot_scale.py OUT.svg LABEL=scale.json [LABEL=scale.json ...]
                                         [--figure forced_ms_per_node]

One line per document, mode (embedded, scaled) and shape (chain, fan); a mode and shape keeps its
colour across documents, and a document labelled `before…` is drawn dashed."""
from __future__ import annotations

import argparse
import json
import math
from typing import Any

WIDTH, HEIGHT = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 30, 50
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def series(label: str, doc: dict[str, Any], figure: str) -> list[tuple[str, list[tuple[int, float]]]]:
    out = []
    for mode in ("embedded", "scaled"):
        for shape in ("chain", "fan"):
            points = sorted((v["nodes"], v[figure]) for k, v in doc.get(mode, {}).items()
                            if k.startswith(shape + "_") and v.get(figure))
            if points:
                out.append((f"{label} {mode} {shape}", points))
    return out


def log_ticks(lo: float, hi: float) -> list[float]:
    ticks = []
    for exp in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** exp
            if lo <= v <= hi:
                ticks.append(v)
    return ticks


def svg(lines: list[tuple[str, list[tuple[int, float]]]], title: str, y_label: str) -> str:
    xs = [x for _, pts in lines for x, _ in pts]
    ys = [y for _, pts in lines for _, y in pts]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = 10 ** math.floor(math.log10(min(ys))), 10 ** math.ceil(math.log10(max(ys)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + plot_w * (math.log10(x) - math.log10(x_lo)) / max(1e-9, math.log10(x_hi) - math.log10(x_lo))

    def py(y: float) -> float:
        return TOP + plot_h * (1 - (math.log10(y) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{LEFT}" y="18" font-size="14">{title}</text>',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>']
    for x in sorted(set(xs)):
        parts.append(f'<line x1="{px(x):.1f}" y1="{TOP}" x2="{px(x):.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>')
        parts.append(f'<text x="{px(x):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{x:,}</text>')
    for y in log_ticks(y_lo, y_hi):
        parts.append(f'<line x1="{LEFT}" y1="{py(y):.1f}" x2="{LEFT + plot_w}" y2="{py(y):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">nodes (log scale)</text>')
    parts.append(f'<text transform="translate(16,{TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">{y_label}</text>')
    kinds: list[str] = []  # one colour per mode and shape, whatever document it comes from
    for i, (name, pts) in enumerate(lines):
        kind = name.split(" ", 1)[1]
        if kind not in kinds:
            kinds.append(kind)
        colour = COLOURS[kinds.index(kind) % len(COLOURS)]
        dash = ' stroke-dasharray="6,4"' if name.split()[0].lower().startswith("before") else ""
        path = " ".join(f"{'M' if j == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for j, (x, y) in enumerate(pts))
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>' for x, y in pts]
        ly = TOP + 10 + 18 * i
        parts.append(f'<line x1="{WIDTH - RIGHT + 12}" y1="{ly}" x2="{WIDTH - RIGHT + 36}" y2="{ly}" '
                     f'stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 42}" y="{ly + 4}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("documents", nargs="+", help="LABEL=path of a bench/scale.py JSON document")
    parser.add_argument("--figure", default="forced_ms_per_node")
    parser.add_argument("--title", default="Forced submit to finish, ms per node (median)")
    args = parser.parse_args()
    lines = []
    for item in args.documents:
        label, _, path = item.partition("=")
        with open(path) as fh:
            lines += series(label, json.load(fh), args.figure)
    with open(args.out, "w") as fh:
        fh.write(svg(lines, args.title, args.figure.replace("_", " ")))


if __name__ == "__main__":
    main()
