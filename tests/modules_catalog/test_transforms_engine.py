"""Transforms fitted on training rows and applied to test rows, through the real engine and datastore:
the fitted Transform objects are pickled between steps, and the test rows end up encoded exactly as a
direct pandas computation with the training rows' quartiles and categories."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from engine.documents import document, edge, node

SEPAL = "sepal length (cm)"


@pytest.mark.django_db(transaction=True)
def test_bins_and_indicators_fitted_on_training_rows_encode_the_test_rows(engine, workspace):
    from designer.services import version_snapshot
    from engine import services
    from engine.selectors import datastore
    from modules_catalog.builtins.data import _sample_frame
    from tests.conftest import wait_for_run

    iris = _sample_frame("iris")
    train, test = train_test_split(iris, train_size=105, test_size=45, random_state=1)
    edges = np.quantile(train[SEPAL], [0.25, 0.5, 0.75])
    shown = ["-inf", *(f"{e:g}" for e in edges), "inf"]
    labels = [f"({a}, {b}]" for a, b in zip(shown[:-2], shown[1:-1])] + [f"({shown[-2]}, inf)"]
    first = f"{SEPAL}_bin_{labels[0]}"

    doc = document(
        [node("data", "sample_dataset", name="iris"), node("split", "split_data", fraction=0.7, seed=1),
         node("bins", "group_data_into_bins", columns=[SEPAL], bins=4, output="label", mode="append"),
         node("onehot", "convert_to_indicator_values", columns=[f"{SEPAL}_bin"], overwrite=True),
         node("apply_bins", "apply_transformation"), node("apply_onehot", "apply_transformation"),
         node("sql", "apply_sql_transformation",
              query=f'SELECT target, SUM("{first}") AS short FROM t1 GROUP BY target ORDER BY target')],
        [edge("data", "data", "split", "data"), edge("split", "train", "bins", "data"),
         edge("bins", "data", "onehot", "data"),
         edge("bins", "transform", "apply_bins", "transform"), edge("split", "test", "apply_bins", "data"),
         edge("onehot", "transform", "apply_onehot", "transform"), edge("apply_bins", "data", "apply_onehot", "data"),
         edge("apply_onehot", "data", "sql", "t1")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="fit on train")
    run = wait_for_run(services.run_submit(workspace=workspace, version=version).id, timeout=180)
    assert run.status == "succeeded", run.error
    got = datastore().load(run.steps.get(node_id="apply_onehot").outputs["data"]["digest"], "DataFrame")

    binned = pd.Categorical(np.array(labels)[np.searchsorted(edges, test[SEPAL].to_numpy(), side="left")],
                            categories=sorted(labels))
    expected = pd.get_dummies(binned, prefix=f"{SEPAL}_bin", dtype=np.int64)
    assert list(got.columns) == list(iris.columns) + list(expected.columns)
    np.testing.assert_array_equal(got[expected.columns].to_numpy(), expected.to_numpy())
    pd.testing.assert_frame_equal(got[list(iris.columns)], test.reset_index(drop=True))

    summed = datastore().load(run.steps.get(node_id="sql").outputs["data"]["digest"], "DataFrame")
    short = got.groupby("target")[first].sum()
    assert summed["short"].tolist() == short.tolist() and short.sum() > 0
