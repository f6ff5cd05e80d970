"""Progress of the long built-ins: Import Data reads, Train Model fits (an ensemble chunk by chunk),
Score Model scores chunk by chunk; a chunked fit or score gives what one call gives."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import BaggingClassifier, GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

from modules_catalog.builtins import stepwise
from modules_catalog.context import SimpleContext


def _halves(df):
    return df.iloc[::2].reset_index(drop=True), df.iloc[1::2].reset_index(drop=True)


def _train(catalog, ctx, learner, data):
    return catalog.get("train_model").fn(ctx, learner=learner, data=data, label_column="target")


def _fractions(ctx):
    return [fraction for fraction, _ in ctx.progress_marks]


def test_import_data_reports_reading_then_done(catalog):
    frame = pd.DataFrame({"x": [1, 2, 3]})
    ctx = SimpleContext(datasets={"sales": frame})
    catalog.get("import_data").fn(ctx, dataset={"name": "sales", "version": 2})
    assert _fractions(ctx) == [0.0, 1.0]
    assert "reading dataset sales v2" in ctx.progress_marks[0][1] and "3 rows" in ctx.progress_marks[1][1]


def test_train_model_reports_the_start_and_the_end_of_a_fit_in_one_call(catalog):
    train, _ = _halves(load_diabetes(as_frame=True).frame)
    ctx = SimpleContext()
    _train(catalog, ctx, LinearRegression(), train)
    fractions = _fractions(ctx)
    assert fractions[0] < 0.1 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert any(message == "fitted" for _, message in ctx.progress_marks)


def test_train_model_grows_a_forest_in_chunks_to_the_same_model_as_one_fit(catalog):
    train, test = _halves(load_breast_cancer(as_frame=True).frame)
    ctx = SimpleContext(seed=5)
    model = _train(catalog, ctx, RandomForestClassifier(n_estimators=40), train)
    direct = RandomForestClassifier(n_estimators=40, random_state=5).fit(train.drop(columns="target"), train["target"])
    X = test.drop(columns="target")
    np.testing.assert_array_equal(model.estimator.predict_proba(X), direct.predict_proba(X))
    chunks = [m for _, m in ctx.progress_marks if "estimators" in m]
    assert chunks[0] == "fitted 4 of 40 estimators" and chunks[-1] == "fitted 40 of 40 estimators"
    assert len(chunks) == stepwise.FIT_CHUNKS
    assert _fractions(ctx) == sorted(_fractions(ctx))
    assert model.estimator.get_params()["warm_start"] is False and model.estimator.n_estimators == 40
    again = _train(catalog, SimpleContext(seed=5), RandomForestClassifier(n_estimators=40), train)
    assert pickle.dumps(again, protocol=5) == pickle.dumps(model, protocol=5)


def test_a_boosted_ensemble_grown_in_chunks_predicts_as_one_fit(catalog):
    train, test = _halves(load_diabetes(as_frame=True).frame)
    ctx = SimpleContext(seed=2)
    model = _train(catalog, ctx, GradientBoostingRegressor(n_estimators=25, subsample=0.8), train)
    direct = GradientBoostingRegressor(n_estimators=25, subsample=0.8, random_state=2)
    direct.fit(train.drop(columns="target"), train["target"])
    X = test.drop(columns="target")
    np.testing.assert_allclose(model.estimator.predict(X), direct.predict(X))
    assert sum("estimators" in m for _, m in ctx.progress_marks) == 10


def test_an_ensemble_that_stops_early_or_scores_out_of_bag_is_fitted_in_one_call(catalog):
    assert stepwise._ensemble_steps(GradientBoostingRegressor(n_iter_no_change=3)) == []
    assert stepwise._ensemble_steps(BaggingClassifier(oob_score=True)) == []
    train, _ = _halves(load_breast_cancer(as_frame=True).frame)
    model = _train(catalog, SimpleContext(), BaggingClassifier(n_estimators=20, oob_score=True), train)
    assert model.estimator.oob_score_ > 0.8
    assert stepwise._ensemble_steps(LogisticRegression()) == []
    assert stepwise._ensemble_steps(RandomForestClassifier(n_estimators=3)) == [1, 2, 3]


@pytest.mark.parametrize("learner", [LogisticRegression(max_iter=300), LinearRegression()])
def test_score_model_scores_large_data_in_chunks_exactly_as_in_one_call(catalog, monkeypatch, learner):
    train, test = _halves(load_breast_cancer(as_frame=True).frame)
    model = _train(catalog, SimpleContext(), learner, train)
    whole = model.score(test)
    monkeypatch.setattr(stepwise, "SCORE_CHUNK_ROWS", 100)
    ctx = SimpleContext()
    scored = catalog.get("score_model").fn(ctx, model=model, data=test)
    pd.testing.assert_frame_equal(scored, whole, check_exact=False, rtol=1e-12)
    assert ctx.progress_marks == [(100 / len(test), f"scored 100 of {len(test)} rows"),
                                  (200 / len(test), f"scored 200 of {len(test)} rows"),
                                  (1.0, f"scored {len(test)} of {len(test)} rows")]


def test_score_model_reports_small_data_once_done(catalog):
    train, test = _halves(load_diabetes(as_frame=True).frame)
    model = _train(catalog, SimpleContext(), LinearRegression(), train)
    ctx = SimpleContext()
    catalog.get("score_model").fn(ctx, model=model, data=test)
    assert ctx.progress_marks == [(1.0, f"scored {len(test)} rows")]
