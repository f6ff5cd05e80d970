"""Data Input modules: scikit-learn's bundled sample datasets and the workspace's registered datasets."""
from __future__ import annotations

import functools
from typing import Any, Mapping

import pandas as pd

from ..schema import schema_from_json, schema_of
from ..spec import Param, ParamKind, Port, PortType, Schema, module

CATEGORY = "Data Input and Output"
SAMPLE_DATASETS = ("iris", "wine", "breast_cancer", "diabetes", "digits")


@functools.lru_cache(maxsize=None)
def _sample_frame(name: str) -> pd.DataFrame:
    """The dataset as one frame (features as scikit-learn names them, then `target`); loaded once."""
    from sklearn import datasets

    if name not in SAMPLE_DATASETS:
        raise ValueError(f"unknown sample dataset {name!r}; choose one of: {', '.join(SAMPLE_DATASETS)}")
    frame = getattr(datasets, f"load_{name}")(as_frame=True).frame
    return frame.reset_index(drop=True)


def _sample_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    name = params.get("name") or "iris"
    if name not in SAMPLE_DATASETS:
        return {"data": None}
    return {"data": schema_of(_sample_frame(name))}


@module(
    "sample_dataset", "1", "Sample Dataset", CATEGORY,
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[Param("name", ParamKind.CHOICE, "Dataset", default="iris", choices=SAMPLE_DATASETS,
                  help="A dataset bundled with scikit-learn; the label column is `target`.")],
    infer_schema=_sample_schema,
)
def sample_dataset(ctx: Any, *, name: str = "iris") -> pd.DataFrame:
    """One of scikit-learn's bundled datasets, with its label in a column named `target`."""
    df = _sample_frame(name).copy()
    ctx.log(f"sample dataset {name}: {len(df)} rows, {len(df.columns)} columns")
    return df


def _import_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    ref = params.get("dataset")
    if isinstance(ref, Mapping) and ref.get("schema") is not None:
        return {"data": schema_from_json(ref["schema"])}
    return {"data": None}


@module(
    "import_data", "1", "Import Data", CATEGORY,
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[Param("dataset", ParamKind.DATASET, "Dataset", help="A registered dataset of this workspace.")],
    infer_schema=_import_schema,
)
def import_data(ctx: Any, *, dataset: dict[str, Any] | None) -> pd.DataFrame:
    """A registered dataset of the workspace, at the version the pipeline names."""
    if not isinstance(dataset, Mapping) or not dataset.get("name"):
        raise ValueError("param 'dataset' must name a registered dataset")
    version = dataset.get("version")
    title = f"dataset {dataset['name']}" + (f" v{version}" if version is not None else "")
    ctx.progress(0.0, f"reading {title}")
    df = ctx.dataset(dict(dataset))
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"dataset {dataset['name']!r} did not load as a DataFrame (got {type(df).__name__})")
    ctx.log(f"{title}: {len(df)} rows, {len(df.columns)} columns")
    ctx.progress(1.0, f"read {len(df)} rows")
    return df
