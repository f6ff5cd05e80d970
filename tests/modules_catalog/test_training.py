"""Train Model, Score Model and Evaluate Model, against the same fits and metrics done by hand."""
from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression

from modules_catalog.context import SimpleContext
from modules_catalog.schema import schema_of
from modules_catalog.spec import Column
from modules_catalog.trained import TrainedModel


def _halves(df):
    return df.iloc[::2].reset_index(drop=True), df.iloc[1::2].reset_index(drop=True)


@pytest.fixture
def cancer():
    return _halves(load_breast_cancer(as_frame=True).frame)


@pytest.fixture
def diabetes():
    return _halves(load_diabetes(as_frame=True).frame)


def _fit(catalog, ctx, learner, data, label="target"):
    return catalog.get("train_model", "1").fn(ctx, learner=learner, data=data, label_column=label)


def test_train_model_fits_the_learner_on_every_other_column(catalog, ctx, diabetes):
    train, _ = diabetes
    learner = LinearRegression()
    model = _fit(catalog, ctx, learner, train)
    expected = LinearRegression().fit(train.drop(columns="target"), train["target"])
    assert isinstance(model, TrainedModel)
    assert (model.label_column, model.task) == ("target", "regression")
    assert model.features == [c for c in train.columns if c != "target"]
    np.testing.assert_allclose(model.estimator.coef_, expected.coef_)
    assert not hasattr(learner, "coef_"), "the learner input itself stays unfitted"
    assert ("training_rows", float(len(train)), None) in ctx.metrics and ctx.logs


def test_train_model_pickles_to_identical_bytes_for_the_same_input(catalog, ctx, cancer):
    train, _ = cancer
    learner = LogisticRegression(max_iter=5000)
    a, b = (_fit(catalog, ctx, learner, train) for _ in range(2))
    assert a.task == "binary" and a.kind == "binary"
    assert pickle.dumps(a, protocol=5) == pickle.dumps(b, protocol=5)


def test_train_model_errors_name_the_label_and_non_numeric_features(catalog, ctx, cancer):
    train, _ = cancer
    with pytest.raises(ValueError, match="label column 'label' is not in the input"):
        _fit(catalog, ctx, LogisticRegression(), train, label="label")
    with pytest.raises(ValueError, match="feature column 'kind' is not numeric"):
        _fit(catalog, ctx, LogisticRegression(), train.assign(kind="x"))
    with pytest.raises(ValueError, match="feature column 'mean radius' has 1 missing values"):
        _fit(catalog, ctx, LogisticRegression(), train.assign(**{"mean radius": [np.nan] + [1.0] * (len(train) - 1)}))


def test_score_model_adds_the_prediction_and_the_positive_class_probability(catalog, ctx, cancer):
    train, test = cancer
    model = _fit(catalog, ctx, LogisticRegression(max_iter=5000), train)
    scored = catalog.get("score_model", "1").fn(ctx, model=model, data=test)
    direct = LogisticRegression(max_iter=5000, random_state=0).fit(train.drop(columns="target"), train["target"])
    X = test.drop(columns="target")
    assert list(scored.columns) == list(test.columns) + ["scored_label", "scored_probability"]
    np.testing.assert_array_equal(scored["scored_label"], direct.predict(X))
    np.testing.assert_allclose(scored["scored_probability"], direct.predict_proba(X)[:, 1])


def test_score_model_gives_the_highest_probability_for_several_classes(catalog, ctx):
    train, test = _halves(load_iris(as_frame=True).frame)
    model = _fit(catalog, ctx, LogisticRegression(max_iter=1000), train)
    scored = catalog.get("score_model").fn(ctx, model=model, data=test)
    assert model.classes == [0, 1, 2]
    np.testing.assert_allclose(scored["scored_probability"],
                               model.estimator.predict_proba(test.drop(columns="target")).max(axis=1))


def test_score_model_names_a_missing_feature_column(catalog, ctx, diabetes):
    train, test = diabetes
    model = _fit(catalog, ctx, LinearRegression(), train)
    with pytest.raises(ValueError, match="feature column 'bmi' is not in the input"):
        catalog.get("score_model").fn(ctx, model=model, data=test.drop(columns="bmi"))


def test_score_model_regression_adds_only_the_label_and_infers_it(catalog, ctx, diabetes):
    train, test = diabetes
    spec = catalog.get("score_model", "1")
    scored = spec.fn(ctx, model=_fit(catalog, ctx, LinearRegression(), train), data=test)
    assert list(scored.columns) == list(test.columns) + ["scored_label"]
    inferred = spec.infer_schema({"data": schema_of(test), "model": None}, {})["data"]
    assert inferred == schema_of(scored)
    assert spec.infer_schema({"data": None}, {})["data"] is None
    assert inferred[-1] == Column("scored_label", "float")


def test_evaluate_model_reports_binary_classification_metrics(catalog, ctx, cancer):
    train, test = cancer
    scored = catalog.get("score_model").fn(ctx, model=_fit(catalog, ctx, LogisticRegression(max_iter=5000), train),
                                           data=test)
    got = catalog.get("evaluate_model", "1").fn(ctx, data=scored, label_column="target")
    y, pred = test["target"], scored["scored_label"]
    assert got["task"] == "classification"
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred, pos_label=1))
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred, pos_label=1))
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred, pos_label=1))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, scored["scored_probability"]))
    assert got["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, pred).tolist()
    assert {name for name, _, _ in ctx.metrics} >= {"accuracy", "precision", "recall", "f1", "roc_auc"}


def test_evaluate_model_averages_over_classes_for_multiclass(catalog, ctx):
    train, test = _halves(load_iris(as_frame=True).frame)
    scored = catalog.get("score_model").fn(ctx, model=_fit(catalog, ctx, LogisticRegression(max_iter=1000), train),
                                           data=test)
    got = catalog.get("evaluate_model").fn(ctx, data=scored, label_column="target")
    assert got["f1"] == pytest.approx(skm.f1_score(test["target"], scored["scored_label"], average="macro"))
    assert got["average"] == "macro" and got["kind"] == "multiclass"
    P = scored[["scored_probability_0", "scored_probability_1", "scored_probability_2"]]
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(test["target"], P, multi_class="ovr", average="macro"))


def test_evaluate_model_reports_regression_metrics(catalog, ctx, diabetes):
    train, test = diabetes
    scored = catalog.get("score_model").fn(ctx, model=_fit(catalog, ctx, LinearRegression(), train), data=test)
    got = catalog.get("evaluate_model").fn(ctx, data=scored, label_column="target")
    y, pred = test["target"], scored["scored_label"]
    assert got["task"] == "regression"
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert got["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, pred)))
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred))


def test_evaluate_model_names_the_missing_label_or_score_column(catalog, ctx, diabetes):
    _, test = diabetes
    spec = catalog.get("evaluate_model")
    with pytest.raises(ValueError, match="label column 'y' is not in the input"):
        spec.fn(ctx, data=test, label_column="y")
    with pytest.raises(ValueError, match="score column 'scored_label' is not in the input"):
        spec.fn(ctx, data=test, label_column="target")


def test_evaluate_model_metrics_are_json(catalog, ctx, cancer):
    train, test = cancer
    scored = catalog.get("score_model").fn(ctx, model=_fit(catalog, ctx, LogisticRegression(max_iter=5000), train),
                                           data=test)
    json.dumps(catalog.get("evaluate_model").fn(ctx, data=scored, label_column="target"))


def test_train_model_logs_fitting_warnings_such_as_non_convergence(catalog, ctx, cancer):
    train, _ = cancer
    _fit(catalog, ctx, LogisticRegression(max_iter=5), train)
    assert any(line.startswith("warning: ConvergenceWarning: lbfgs failed to converge") for line in ctx.logs)


def test_train_model_reports_the_true_training_score_and_leaves_its_input_untouched(catalog, ctx):
    """Fitting in place (copy_X=False) must not leak into the metric, the input or the model."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(5, 1, size=(500, 3)), columns=["a", "b", "c"])
    df["target"] = 2 * df["a"] + df["b"] + rng.normal(0, 0.1, 500)
    before = df.copy()
    learner = catalog.get("linear_regression", "1").fn(ctx, fit_intercept=True, l2_regularization=0.0)
    model = catalog.get("train_model", "1").fn(ctx, learner=learner, data=df, label_column="target")
    direct = LinearRegression().fit(df[["a", "b", "c"]], df["target"])
    score = dict((name, value) for name, value, _ in ctx.metrics)["training_score"]
    assert score == pytest.approx(direct.score(df[["a", "b", "c"]], df["target"]))
    assert df.equals(before)
    assert model.estimator.get_params()["copy_X"] is True and learner.get_params()["copy_X"] is True
    np.testing.assert_allclose(model.estimator.coef_, direct.coef_)


class _OwningContext(SimpleContext):
    """What the engine's context says of a frame that arrived on an owned port and nobody else holds."""

    def owns(self, df):
        return True


def test_train_model_frees_an_input_it_owns_and_scores_an_even_sample(catalog, diabetes, monkeypatch):
    from modules_catalog.builtins import training

    train, _ = diabetes
    shared_ctx, owning_ctx = SimpleContext(seed=3), _OwningContext(seed=3)
    reference = _fit(catalog, shared_ctx, LinearRegression(), train.copy())
    monkeypatch.setattr(training, "SCORE_SAMPLE_ROWS", 100)
    owned = train.copy()
    model = _fit(catalog, owning_ctx, LinearRegression(), owned)

    assert owned.shape == (len(train), 0)  # its memory was handed back before the fit
    np.testing.assert_allclose(model.estimator.coef_, reference.estimator.coef_)
    assert model.estimator.get_params()["copy_X"] is True
    exact = dict((n, v) for n, v, _ in shared_ctx.metrics)["training_score"]
    sampled = dict((n, v) for n, v, _ in owning_ctx.metrics)
    assert sampled["training_rows"] == len(train)
    picks = np.linspace(0, len(train) - 1, 100).round().astype(int)
    features = [c for c in train.columns if c != "target"]
    expected = reference.estimator.score(train.iloc[picks][features], train.iloc[picks]["target"])
    assert sampled["training_score"] == pytest.approx(expected) and sampled["training_score"] != exact
    assert any("even sample of 100 of the 221 rows" in line for line in owning_ctx.logs)


def test_train_model_leaves_an_input_it_does_not_own_untouched(catalog, ctx, diabetes):
    train, _ = diabetes
    before = train.copy()
    _fit(catalog, ctx, LinearRegression(), train)
    assert train.equals(before)
