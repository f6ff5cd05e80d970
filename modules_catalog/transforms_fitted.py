"""Fitted transforms of Convert to Indicator Values and Group Data into Bins: what was learned from the
training rows (categories, bin edges), applied identically to any other rows by Apply Transformation."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from .trained import Transform, require_columns


def unique_name(name: str, taken: set[str] | Sequence[str]) -> str:
    """`name`, or `name (2)`, `name (3)`, … — the first that is not taken (Azure's renaming)."""
    taken = set(taken)
    if name not in taken:
        return name
    k = 2
    while f"{name} ({k})" in taken:
        k += 1
    return f"{name} ({k})"


class IndicatorTransform(Transform):
    """One 0/1 column per category seen when fitting; a category not seen then, or a missing value,
    is all zeros. With `drop_first` the first (sorted) category has no column of its own."""

    def __init__(self, columns: list[str], categories: dict[str, list[Any]], *, drop_first: bool,
                 overwrite: bool) -> None:
        self.columns = list(columns)
        self.categories = {k: list(v) for k, v in categories.items()}
        self.drop_first = drop_first
        self.overwrite = overwrite

    def indicator_names(self, name: str) -> list[str]:
        cats = self.categories[name][1:] if self.drop_first else self.categories[name]
        return [f"{name}_{c}" for c in cats]

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        require_columns(df, self.columns)
        kept = [c for c in df.columns if not (self.overwrite and c in self.columns)]
        parts: dict[str, np.ndarray] = {}
        taken = {str(c) for c in kept}
        for name in self.columns:
            cats = self.categories[name]
            codes = pd.Categorical(_comparable(df[name]), categories=cats).codes
            start = 1 if self.drop_first else 0
            for code, label in zip(range(start, len(cats)), self.indicator_names(name)):
                label = unique_name(label, taken)
                taken.add(label)
                parts[label] = (codes == code).astype(np.int64)
        out = df[kept].copy(deep=False) if self.overwrite else df.copy(deep=False)
        extra = pd.DataFrame(parts, index=df.index)
        return pd.concat([out, extra], axis=1) if len(extra.columns) else out

    def __repr__(self) -> str:
        return f"IndicatorTransform(columns={self.columns!r}, drop_first={self.drop_first})"


def _comparable(s: pd.Series) -> pd.Series:
    """The values as the fitted categories hold them: a categorical column's values as plain values."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype(object)
    return s


class BinTransform(Transform):
    """Bins fitted on the training rows: a value goes to the bin whose (left, right] interval holds it;
    below the first edge is the first bin, above the last the last bin; a missing value stays missing."""

    def __init__(self, columns: list[str], edges: dict[str, list[float]], *, output: str, mode: str,
                 suffix: str) -> None:
        self.columns = list(columns)
        self.edges = {k: [float(e) for e in v] for k, v in edges.items()}
        self.output = output  # "index" | "label"
        self.mode = mode  # "inplace" | "append"
        self.suffix = suffix

    def target(self, name: str) -> str:
        return name if self.mode == "inplace" else f"{name}{self.suffix}"

    def labels(self, name: str) -> list[str]:
        edges = self.edges[name]
        shown = ["-inf"] + [f"{e:g}" for e in edges[1:-1]] + ["inf"]
        return [f"({a}, {b}]" if b != "inf" else f"({a}, {b})" for a, b in zip(shown[:-1], shown[1:])]

    def bin_of(self, name: str, s: pd.Series) -> pd.Series:
        values = pd.to_numeric(s, errors="raise").astype(float).to_numpy()
        interior = np.asarray(self.edges[name][1:-1], dtype=float)
        index = np.searchsorted(interior, values, side="left")
        missing = np.isnan(values)
        if self.output == "label":
            labels = np.asarray(self.labels(name), dtype=object)
            out = labels[index]
            out[missing] = None
            return pd.Series(out, index=s.index, dtype=object)
        if missing.any():
            return pd.Series(pd.array(np.where(missing, 0, index), dtype="Int64"), index=s.index).mask(missing)
        return pd.Series(index.astype(np.int64), index=s.index)

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        require_columns(df, self.columns)
        out = df.copy(deep=False)
        for name in self.columns:
            try:
                out[self.target(name)] = self.bin_of(name, df[name])
            except (ValueError, TypeError):
                raise ValueError(f"column {name!r} holds values that are not numbers "
                                 f"({df[name].dtype}); its bins were fitted on numbers") from None
        return out

    def __repr__(self) -> str:
        return f"BinTransform(columns={self.columns!r}, output={self.output!r}, mode={self.mode!r})"
