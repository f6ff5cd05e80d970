"""Recommendation: Train / Score SVD Recommender and Evaluate Recommender on a deterministic ratings
table (users' tastes of rank 3 plus biases and noise), checked against direct pandas, numpy and
scikit-learn computations."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from modules_catalog.context import SimpleContext
from modules_catalog.spec import Column, Design, Upstream


def ratings(seed: int = 0, users: int = 80, items: int = 50, density: float = 0.5) -> pd.DataFrame:
    """user ('u00' ...), item (1000 ...), rating (1 to 5): a rank-3 taste plus biases and noise."""
    rng = np.random.default_rng(seed)
    U, V = rng.normal(size=(users, 3)), rng.normal(size=(items, 3))
    true = 3 + rng.normal(0, .5, users)[:, None] + rng.normal(0, .5, items)[None, :] + 0.6 * U @ V.T
    uu, ii = np.nonzero(rng.random((users, items)) < density)
    r = np.clip(np.rint(true[uu, ii] + rng.normal(0, .3, len(uu))), 1, 5)
    return pd.DataFrame({"user": [f"u{n:02d}" for n in uu], "item": ii + 1000, "rating": r})


def split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    test = df.iloc[::5]
    return df.drop(test.index).reset_index(drop=True), test.reset_index(drop=True)


TRAIN_PARAMS = {"factors": 3, "iterations": 100, "learning_rate": 0.02, "seed": 1}


@pytest.fixture(scope="module")
def data():
    return split(ratings())


@pytest.fixture(scope="module")
def model(catalog, data):
    return catalog.get("train_svd_recommender").fn(SimpleContext(), data=data[0], **TRAIN_PARAMS)


def call(catalog, key, **kwargs):
    ctx = SimpleContext()
    return catalog.get(key).fn(ctx, **kwargs), ctx


def test_the_factorisation_predicts_held_out_ratings_better_than_the_bias_baseline(catalog, data, model):
    train, test = data
    scored, _ = call(catalog, "score_svd_recommender", model=model, data=test)
    assert list(scored.columns) == ["user", "item", "rating", "scored_rating"]
    rmse = np.sqrt(skm.mean_squared_error(test["rating"], scored["scored_rating"]))
    # the baseline computed directly with pandas: global mean + item offset + user offset
    mu = train["rating"].mean()
    item_offset = train.groupby("item")["rating"].mean() - mu
    user_offset = (train["rating"] - mu - train["item"].map(item_offset)).groupby(train["user"]).mean()
    baseline = mu + test["item"].map(item_offset).fillna(0) + test["user"].map(user_offset).fillna(0)
    baseline_rmse = np.sqrt(skm.mean_squared_error(test["rating"], baseline))
    assert rmse < 0.7 * baseline_rmse


def test_a_score_is_mean_plus_biases_plus_the_factors_dot_product(catalog, data, model):
    train, test = data
    scored, _ = call(catalog, "score_svd_recommender", model=model, data=test)
    users = pd.Index(model.users).get_indexer(test["user"])
    items = pd.Index(model.items).get_indexer(test["item"])
    direct = (model.mu + model.user_bias[users] + model.item_bias[items]
              + (model.user_factors[users] * model.item_factors[items]).sum(axis=1))
    np.testing.assert_allclose(scored["scored_rating"], np.clip(direct, train["rating"].min(), train["rating"].max()))
    unknown = pd.DataFrame({"user": ["nobody", "u01"], "item": [1000, 99999]})
    scored, ctx = call(catalog, "score_svd_recommender", model=model, data=unknown)
    u1 = list(model.users).index("u01")
    np.testing.assert_allclose(scored["scored_rating"], [model.mu + model.item_bias[list(model.items).index(1000)],
                                                         model.mu + model.user_bias[u1]])
    assert "1 with a user and 1 with an item unknown" in ctx.logs[0]


def test_training_is_seeded_reports_progress_and_pickles(catalog, data, model):
    again, ctx = call(catalog, "train_svd_recommender", data=data[0], **TRAIN_PARAMS)
    np.testing.assert_array_equal(again.user_factors, model.user_factors)
    np.testing.assert_array_equal(again.item_bias, model.item_bias)
    other, _ = call(catalog, "train_svd_recommender", data=data[0], **{**TRAIN_PARAMS, "seed": 2})
    assert not np.allclose(other.user_factors, model.user_factors)
    rmses = [value for name, value, _ in ctx.metrics if name == "training_rmse"]
    assert len(rmses) == 100 and rmses[-1] < rmses[0]
    assert ctx.progress_marks[-1][0] == 1.0
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(data[1]["user"], data[1]["item"]),
                                  model.predict(data[1]["user"], data[1]["item"]))


def test_the_first_three_columns_are_user_item_rating_by_default(catalog, data, model):
    renamed = data[0].rename(columns={"user": "who", "item": "what", "rating": "stars"})
    fitted, _ = call(catalog, "train_svd_recommender", data=renamed, **TRAIN_PARAMS)
    assert (fitted.user_column, fitted.item_column, fitted.rating_column) == ("who", "what", "stars")
    np.testing.assert_array_equal(fitted.user_factors, model.user_factors)
    reordered = renamed[["stars", "what", "who"]]
    fitted, _ = call(catalog, "train_svd_recommender", data=reordered, user_column="who", item_column="what",
                     rating_column="stars", **TRAIN_PARAMS)
    assert fitted.user_column == "who"


def test_recommendations_are_the_best_scored_unrated_items(catalog, data, model):
    train, test = data
    out, _ = call(catalog, "score_svd_recommender", model=model, data=test, prediction_kind="item_recommendation",
                  item_selection="unrated_items", max_items=4)
    assert list(out.columns) == ["user", "Item 1", "Item 2", "Item 3", "Item 4"]
    assert out["user"].tolist() == list(pd.unique(test["user"]))
    rated = train.groupby("user")["item"].apply(set)
    for row in out.itertuples(index=False):
        grid = pd.DataFrame({"user": row[0], "item": model.items})
        grid["score"] = model.predict(grid["user"], grid["item"])
        grid = grid[~grid["item"].isin(rated[row[0]])]
        expected = grid.sort_values("score", ascending=False, kind="stable")["item"].head(4).tolist()
        assert list(row[1:]) == expected
    everything, _ = call(catalog, "score_svd_recommender", model=model, data=test,
                         prediction_kind="item_recommendation", item_selection="all_items", max_items=4)
    assert any(item in rated[row[0]] for row in everything.itertuples(index=False) for item in row[1:])


def test_rated_items_ranks_only_the_users_own_items_leaving_the_rest_missing(catalog, data, model):
    _, test = data
    out, _ = call(catalog, "score_svd_recommender", model=model, data=test, prediction_kind="item_recommendation",
                  item_selection="rated_items", max_items=30)
    own = test.groupby("user")["item"].apply(set)
    for row in out.itertuples(index=False):
        recs = [item for item in row[1:] if not pd.isna(item)]
        assert set(recs) == own[row[0]]
    assert out["Item 30"].isna().all() and {str(out[c].dtype) for c in out.columns[1:]} == {"Int64"}


def test_evaluate_rating_prediction_is_scikit_learns(catalog, data, model):
    _, test = data
    scored, _ = call(catalog, "score_svd_recommender", model=model, data=test.drop(columns=["rating"]))
    metrics, ctx = call(catalog, "evaluate_recommender", test=test, scored=scored)
    pred = scored["scored_rating"]
    assert metrics["kind"] == "rating_prediction" and metrics["rows"] == len(test)
    assert metrics["mae"] == pytest.approx(skm.mean_absolute_error(test["rating"], pred))
    assert metrics["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(test["rating"], pred)))
    assert metrics["r2"] == pytest.approx(skm.r2_score(test["rating"], pred))
    assert metrics["explained_variance"] == pytest.approx(skm.explained_variance_score(test["rating"], pred))
    assert ("rmse", metrics["rmse"], None) in ctx.metrics


def test_evaluate_recommendations_ndcg_is_scikit_learns_and_precision_is_counted(catalog, data, model):
    _, test = data
    k = 3
    scored, _ = call(catalog, "score_svd_recommender", model=model, data=test, prediction_kind="item_recommendation",
                     item_selection="rated_items", max_items=50)
    metrics, _ = call(catalog, "evaluate_recommender", test=test, scored=scored, k=k, relevance_threshold=4.0)
    ndcgs, precisions = [], []
    for user, rows in test.groupby("user", sort=False):
        if (rows["rating"] >= 4).any():
            predicted = model.predict(rows["user"], rows["item"])
            if len(rows) > 1:
                ndcgs.append(skm.ndcg_score([rows["rating"].to_numpy()], [predicted], k=k))
            else:
                ndcgs.append(1.0)
            top = rows["item"].to_numpy()[np.argsort(-predicted, kind="stable")][:k]
            precisions.append(rows.set_index("item").loc[top, "rating"].ge(4).sum() / k)
    assert metrics["users"] == len(ndcgs)
    assert metrics["ndcg_at_3"] == pytest.approx(np.mean(ndcgs))
    assert metrics["precision_at_3"] == pytest.approx(np.mean(precisions))
    assert 0 < metrics["recall_at_3"] <= 1


def test_mistakes_name_the_column_its_type_and_the_module(catalog, data, model):
    train, test = data
    text = train.assign(rating=train["rating"].map(lambda r: f"{r:.0f} stars"))
    with pytest.raises(ValueError, match="Train SVD Recommender: rating column 'rating' holds string values"):
        call(catalog, "train_svd_recommender", data=text)
    with pytest.raises(ValueError, match="column 'rating' has 1 missing values"):
        call(catalog, "train_svd_recommender", data=train.assign(rating=train["rating"].where(train.index != 3)))
    with pytest.raises(ValueError, match="training diverged"):
        call(catalog, "train_svd_recommender", data=train.assign(rating=train["rating"] * 1e6), learning_rate=1.0)
    with pytest.raises(TypeError, match="not a trained SVD recommender"):
        call(catalog, "score_svd_recommender", model=object(), data=test)
    with pytest.raises(ValueError, match="neither 'scored_rating' nor 'Item 1'"):
        call(catalog, "evaluate_recommender", test=test, scored=test)


def test_design_time_checks_catch_a_text_rating_and_a_foreign_model(catalog):
    spec = catalog.get("train_svd_recommender")
    schema = (Column("user", "string"), Column("item", "int"), Column("rating", "string"))
    found = list(spec.check(Design(inputs={"data": schema}, params={})))
    assert [(v.param, v.column) for v in found] == [("rating_column", "rating")]
    assert "Edit Metadata" in found[0].hint
    schema = (Column("user", "float"), Column("item", "int"), Column("stars", "float"))
    found = list(spec.check(Design(inputs={"data": schema}, params={"rating_column": "stars"})))
    assert [(v.param, v.column) for v in found] == [("user_column", "user")]
    score = catalog.get("score_svd_recommender")
    upstream = {"model": Upstream(catalog.get("train_model"), {}, "model")}
    assert [v.port for v in score.check(Design(inputs={}, params={}, upstream=upstream))] == ["model"]
    upstream = {"model": Upstream(spec, {}, "model")}
    assert list(score.check(Design(inputs={}, params={}, upstream=upstream))) == []
    inferred = score.infer_schema({"data": schema}, {"prediction_kind": "rating_prediction"})["data"]
    assert inferred == (*schema, Column("scored_rating", "float"))
