"""The Text Analytics, Recommendation, Web Service and Python Language modules that take a DataFrame,
for the "inputs untouched" test (test_inputs_untouched.py): (module key, factory of every input by
port name, params)."""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_iris, load_wine

from modules_catalog.context import SimpleContext


def sentences() -> pd.DataFrame:
    """Sentences of two bundled data set descriptions: text (some missing), the same as categories,
    where it came from and a number."""
    rows = []
    for name, loader in (("wine", load_wine), ("breast_cancer", load_breast_cancer)):
        for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", loader().DESCR):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= 4:
                rows.append((sentence, name))
    df = pd.DataFrame(rows, columns=["text", "source"])
    df["kind"] = df["text"].str.split().str[0].astype("category")
    df["words"] = df["text"].str.split().str.len()
    df.loc[::7, "text"] = None
    return df


def ratings() -> pd.DataFrame:
    """A deterministic user-item-rating table (users 'u00'..., items 100..., ratings 1 to 5)."""
    rng = np.random.default_rng(11)
    users, items = 30, 20
    taste = rng.normal(size=(users, 2)) @ rng.normal(size=(2, items))
    uu, ii = np.nonzero(rng.random((users, items)) < 0.5)
    return pd.DataFrame({"user": [f"u{u:02d}" for u in uu], "item": ii + 100,
                         "rating": np.clip(np.rint(3 + taste[uu, ii]), 1, 5)})


def svd_model() -> Any:
    from modules_catalog.registry import load_builtins

    return load_builtins().get("train_svd_recommender").fn(SimpleContext(), data=ratings(), factors=2, iterations=5)


def scored_ratings() -> pd.DataFrame:
    from modules_catalog.registry import load_builtins

    return load_builtins().get("score_svd_recommender").fn(SimpleContext(), model=svd_model(), data=ratings())


def recommended() -> pd.DataFrame:
    from modules_catalog.registry import load_builtins

    return load_builtins().get("score_svd_recommender").fn(
        SimpleContext(), model=svd_model(), data=ratings(), prediction_kind="item_recommendation",
        item_selection="rated_items", max_items=3)


def iris() -> pd.DataFrame:
    return load_iris(as_frame=True).frame


def data(make: Callable[[], pd.DataFrame]) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": make()}


MUTATING_SCRIPT = ("def azureml_main(dataframe1=None, dataframe2=None):\n"
                   "    dataframe1['target'] = -1\n"
                   "    dataframe2.drop(columns=['petal width (cm)'], inplace=True)\n"
                   "    return dataframe1, dataframe2\n")

UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]] = [
    ("preprocess_text", data(sentences), {"text_column": "text"}),
    ("preprocess_text", data(sentences), {"text_column": "kind", "stem": True, "replace": True}),
    ("extract_ngram_features", data(sentences), {"text_column": "text", "ngram_size": 2, "max_vocabulary": 50}),
    ("extract_ngram_features", data(sentences), {"text_column": "kind", "weighting": "binary", "keep_text": True}),
    ("feature_hashing", data(sentences), {"text_column": "text", "bits": 6}),
    ("latent_dirichlet_allocation", data(sentences), {"text_column": "text", "topics": 3, "passes": 2}),
    ("train_svd_recommender", data(ratings), {"factors": 3, "iterations": 3}),
    ("score_svd_recommender", lambda: {"model": svd_model(), "data": ratings()}, {}),
    ("score_svd_recommender", lambda: {"model": svd_model(), "data": ratings()},
     {"prediction_kind": "item_recommendation", "item_selection": "unrated_items", "max_items": 4}),
    ("evaluate_recommender", lambda: {"test": ratings(), "scored": scored_ratings()}, {}),
    ("evaluate_recommender", lambda: {"test": ratings(), "scored": recommended()}, {"k": 2}),
    ("web_service_input", lambda: {"sample": iris()}, {"columns": "target: int"}),
    ("web_service_output", data(iris), {}),
    ("execute_python_script", lambda: {"dataset1": iris(), "dataset2": iris()}, {"script": MUTATING_SCRIPT}),
]
