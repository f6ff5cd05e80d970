"""Recommendation: a matrix-factorisation ("SVD") recommender trained on user-item-rating rows,
scored as rating predictions or top-N item lists, and evaluated as either.

The model is Funk's biased matrix factorisation (the "SVD" of recommender systems: a rating is
mean + user bias + item bias + user factors . item factors), fitted by stochastic gradient descent
in seeded mini-batches with plain numpy."""
from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..checks import describe
from ..schema import dtype_kind
from ..spec import Column, Design, Param, ParamKind, Port, PortType, Schema, Violation, module
from ..trained import describe_columns, require_columns
from .transforms import single_column

CATEGORY = "Recommendation"
SCORED_RATING = "scored_rating"
ID_DTYPES = ("int", "string", "category")
RATING_DTYPES = ("int", "float")
ID_HINT = "user and item ids are whole numbers or text: convert the column with Edit Metadata"
RATING_HINT = "ratings are numbers: choose a numeric rating column, or convert it with Edit Metadata"
BATCH_ROWS = 128  # ratings per gradient step
MAX_FACTOR_VALUES = 50_000_000  # (users + items) x factors
_SCORE_CHUNK_USERS = 1024
_ITEM_COLUMN = re.compile(r"^Item (\d+)$")


def item_column_name(k: int) -> str:
    return f"Item {k}"


class SVDRecommender:
    """A fitted biased matrix factorisation: `predict(users, items)` rates pairs, `recommend(users)`
    ranks items. Unknown users or items fall back to what is known (the mean, the other bias)."""

    def __init__(self, *, user_column: str, item_column: str, rating_column: str, users: np.ndarray,
                 items: np.ndarray, mu: float, user_bias: np.ndarray, item_bias: np.ndarray,
                 user_factors: np.ndarray, item_factors: np.ndarray, rated_indptr: np.ndarray,
                 rated_items: np.ndarray, rating_range: tuple[float, float]) -> None:
        self.user_column, self.item_column, self.rating_column = user_column, item_column, rating_column
        self.users, self.items = users, items
        self.mu = float(mu)
        self.user_bias, self.item_bias = user_bias, item_bias
        self.user_factors, self.item_factors = user_factors, item_factors
        self.rated_indptr, self.rated_items = rated_indptr, rated_items  # CSR: the items each user rated
        self.rating_range = (float(rating_range[0]), float(rating_range[1]))

    @property
    def factors(self) -> int:
        return int(self.user_factors.shape[1])

    def user_codes(self, values: Any) -> np.ndarray:
        return pd.Index(self.users).get_indexer(pd.Index(values))

    def item_codes(self, values: Any) -> np.ndarray:
        return pd.Index(self.items).get_indexer(pd.Index(values))

    def predict_codes(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        known_u, known_i = u >= 0, i >= 0
        uu, ii = np.where(known_u, u, 0), np.where(known_i, i, 0)
        pred = np.full(len(u), self.mu)
        pred += np.where(known_u, self.user_bias[uu], 0.0)
        pred += np.where(known_i, self.item_bias[ii], 0.0)
        both = known_u & known_i
        pred[both] += np.einsum("ij,ij->i", self.user_factors[uu[both]], self.item_factors[ii[both]])
        return np.clip(pred, *self.rating_range)

    def predict(self, users: Any, items: Any) -> np.ndarray:
        return self.predict_codes(self.user_codes(users), self.item_codes(items))

    def item_scores(self, u: np.ndarray) -> np.ndarray:
        """The predicted rating of every item for each user code in `u` (a row per user)."""
        known = u >= 0
        uu = np.where(known, u, 0)
        scores = self.mu + self.item_bias[None, :] + np.where(known, self.user_bias[uu], 0.0)[:, None]
        scores = scores + np.where(known[:, None], self.user_factors[uu] @ self.item_factors.T, 0.0)
        return np.clip(scores, *self.rating_range)

    def rated_by(self, u: int) -> np.ndarray:
        return self.rated_items[self.rated_indptr[u]:self.rated_indptr[u + 1]] if u >= 0 else np.zeros(0, np.intp)

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"factors": self.factors, "users": len(self.users), "items": len(self.items),
                "user_column": self.user_column, "item_column": self.item_column,
                "rating_column": self.rating_column}

    def __repr__(self) -> str:
        return f"SVDRecommender(users={len(self.users)}, items={len(self.items)}, factors={self.factors})"


def resolve_columns(columns: Iterable[str], user_column: Any, item_column: Any, rating_column: Any,
                    module_name: str, *, rating: bool = True) -> tuple[str, str, str | None]:
    """The user, item and rating columns: as chosen, or else (as Azure's recommender modules read a
    user-item-rating table) the first, second and third columns."""
    columns = [str(c) for c in columns]
    chosen = [single_column(user_column), single_column(item_column), single_column(rating_column)]
    needed = 3 if rating else 2
    for position, name in enumerate(chosen[:needed]):
        if name is None:
            if len(columns) <= position:
                what = ("user", "item", "rating")[position]
                raise ValueError(f"{module_name}: no {what} column chosen and the input has only {len(columns)} "
                                 f"columns; it reads user, item and rating columns (by default the first three)")
            chosen[position] = columns[position]
    return chosen[0], chosen[1], chosen[2] if rating else None  # type: ignore[return-value]


def _check_id(df: pd.DataFrame, name: str, what: str, module_name: str) -> None:
    kind = dtype_kind(df[name].dtype)
    if kind not in ID_DTYPES:
        raise ValueError(f"{module_name}: {what} column {name!r} holds {kind} values; {ID_HINT}")


def _check_rating(df: pd.DataFrame, name: str, module_name: str) -> None:
    kind = dtype_kind(df[name].dtype)
    if kind not in RATING_DTYPES:
        raise ValueError(f"{module_name}: rating column {name!r} holds {kind} values; {RATING_HINT}")


def _no_missing(df: pd.DataFrame, names: Iterable[str], module_name: str) -> None:
    for name in names:
        missing = int(df[name].isna().sum())
        if missing:
            raise ValueError(f"{module_name}: column {name!r} has {missing} missing values; remove those rows "
                             "first (Clean Missing Data, mode remove_row)")


def _design_columns(schema: Schema | None, params: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Column]:
    """The columns the params name, or the schema's first ones where a param is empty."""
    if schema is None:
        return {}
    by_name = {c.name: c for c in schema}
    found = {}
    for position, param in enumerate(names):
        chosen = single_column(params.get(param))
        if chosen is None and len(schema) > position:
            found[param] = schema[position]
        elif chosen in by_name:
            found[param] = by_name[chosen]
    return found


def _column_violations(schema: Schema | None, params: Mapping[str, Any], module_name: str,
                       *, port: str = "data") -> list[Violation]:
    found = _design_columns(schema, params, ("user_column", "item_column", "rating_column"))
    out = []
    for param, column in found.items():
        if param == "rating_column" and column.dtype not in RATING_DTYPES:
            out.append(Violation(f"{describe(column)}: {module_name} needs numeric ratings", hint=RATING_HINT,
                                 param=param, port=port, column=column.name))
        elif param != "rating_column" and column.dtype not in ID_DTYPES:
            out.append(Violation(f"{describe(column)}: {module_name} needs {param.split('_')[0]} ids",
                                 hint=ID_HINT, param=param, port=port, column=column.name))
    return out


def _id_params(port: str, with_rating: bool = True) -> list[Param]:
    params = [
        Param("user_column", ParamKind.COLUMNS, "User column", port=port, multiple=False, required=False,
              dtypes=ID_DTYPES, hint=ID_HINT, help="Empty: the first column."),
        Param("item_column", ParamKind.COLUMNS, "Item column", port=port, multiple=False, required=False,
              dtypes=ID_DTYPES, hint=ID_HINT, help="Empty: the second column."),
    ]
    if with_rating:
        params.append(Param("rating_column", ParamKind.COLUMNS, "Rating column", port=port, multiple=False,
                            required=False, dtypes=RATING_DTYPES, hint=RATING_HINT, help="Empty: the third column."))
    return params


# -- Train SVD Recommender --------------------------------------------------------------------------
def _train_check(design: Design) -> list[Violation]:
    return _column_violations(design.inputs.get("data"), design.params, "Train SVD Recommender")


@module(
    "train_svd_recommender", "1", "Train SVD Recommender", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Training dataset of user-item-rating triples")],
    outputs=[Port("model", PortType.MODEL, "Trained SVD recommendation")],
    params=[
        *_id_params("data"),
        Param("factors", ParamKind.INT, "Number of factors", default=20, min=1, max=500,
              help="The length of each user's and item's latent vector."),
        Param("iterations", ParamKind.INT, "Number of recommendation algorithm iterations", default=30, min=1,
              max=1000, help="Passes over the ratings."),
        Param("learning_rate", ParamKind.FLOAT, "Learning rate", default=0.005, min=0.00001, max=1.0),
        Param("regularization", ParamKind.FLOAT, "Regularization", default=0.02, min=0.0, max=10.0,
              help="L2 penalty on the biases and factors."),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1),
    ],
    check=_train_check,
)
def train_svd_recommender(ctx: Any, *, data: pd.DataFrame, user_column: str | None = None,
                          item_column: str | None = None, rating_column: str | None = None, factors: int = 20,
                          iterations: int = 30, learning_rate: float = 0.005, regularization: float = 0.02,
                          seed: int = 0) -> SVDRecommender:
    """Fit rating = mean + user bias + item bias + user factors . item factors to the rows by
    mini-batch stochastic gradient descent; the seed fixes the initial factors and the row order."""
    name = "Train SVD Recommender"
    user, item, rating = resolve_columns(data.columns, user_column, item_column, rating_column, name)
    require_columns(data, [user, item, rating])
    if len({user, item, rating}) < 3:
        raise ValueError(f"{name}: the user, item and rating columns must be three different columns")
    _check_id(data, user, "user", name)
    _check_id(data, item, "item", name)
    _check_rating(data, rating, name)
    _no_missing(data, [user, item, rating], name)
    if len(data) == 0:
        raise ValueError(f"{name}: the training dataset has no rows")
    u, users = pd.factorize(data[user], sort=False)
    i, items = pd.factorize(data[item], sort=False)
    r = data[rating].to_numpy(dtype=np.float64)
    if not np.isfinite(r).all():
        raise ValueError(f"{name}: rating column {rating!r} holds infinite values")
    k = int(factors)
    if (len(users) + len(items)) * k > MAX_FACTOR_VALUES:
        raise ValueError(f"{name}: {len(users)} users and {len(items)} items x {k} factors is more than "
                         f"{MAX_FACTOR_VALUES} values; lower the number of factors")
    rng = np.random.default_rng(int(seed))
    P = rng.normal(0.0, 0.1, (len(users), k))
    Q = rng.normal(0.0, 0.1, (len(items), k))
    bu, bi = np.zeros(len(users)), np.zeros(len(items))
    mu, lr, reg = float(r.mean()), float(learning_rate), float(regularization)
    ctx.log(f"{len(r)} ratings of {len(items)} items by {len(users)} users ({user!r}, {item!r}, {rating!r}); "
            f"{k} factors, {iterations} iterations")
    for epoch in range(int(iterations)):
        order = rng.permutation(len(r))
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging fit is reported below, in words
            for start in range(0, len(r), BATCH_ROWS):
                idx = order[start:start + BATCH_ROWS]
                ub, ib, pu, qi = u[idx], i[idx], P[u[idx]], Q[i[idx]]
                err = r[idx] - (mu + bu[ub] + bi[ib] + np.einsum("ij,ij->i", pu, qi))
                np.add.at(bu, ub, lr * (err - reg * bu[ub]))
                np.add.at(bi, ib, lr * (err - reg * bi[ib]))
                np.add.at(P, ub, lr * (err[:, None] * qi - reg * pu))
                np.add.at(Q, ib, lr * (err[:, None] * pu - reg * qi))
            fitted = mu + bu[u] + bi[i] + np.einsum("ij,ij->i", P[u], Q[i])
            rmse = float(np.sqrt(np.mean((r - fitted) ** 2)))
        if not math.isfinite(rmse):
            raise ValueError(f"{name}: training diverged at iteration {epoch + 1} (the errors grew without bound); "
                             f"lower the learning rate (now {lr:g})")
        ctx.metric("training_rmse", rmse, step=epoch + 1)
        ctx.progress((epoch + 1) / iterations, f"iteration {epoch + 1} of {iterations}: RMSE {rmse:.4f}")
    order = np.lexsort((i, u))
    indptr = np.zeros(len(users) + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=len(users)), out=indptr[1:])
    model = SVDRecommender(user_column=user, item_column=item, rating_column=rating,
                           users=np.asarray(users), items=np.asarray(items), mu=mu, user_bias=bu, item_bias=bi,
                           user_factors=P, item_factors=Q, rated_indptr=indptr, rated_items=i[order].astype(np.intp),
                           rating_range=(float(r.min()), float(r.max())))
    ctx.log(f"training RMSE {rmse:.4f}")
    return model


# -- Score SVD Recommender --------------------------------------------------------------------------
def _score_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema = inputs.get("data")
    if schema is None or params.get("prediction_kind", "rating_prediction") != "rating_prediction":
        return {"data": None}  # a recommendation's columns hold the model's ids: known once it is trained
    return {"data": (*(c for c in schema if c.name != SCORED_RATING), Column(SCORED_RATING, "float"))}


def _score_check(design: Design) -> list[Violation]:
    found = design.upstream.get("model")
    if found is not None and found.spec.key != "train_svd_recommender" and found.spec.category == "Model Training":
        return [Violation(f"{found.spec.label} makes a model Score SVD Recommender cannot use", port="model",
                          code="model_kind",
                          hint="connect the output of Train SVD Recommender; score other models with Score Model")]
    return []


@module(
    "score_svd_recommender", "1", "Score SVD Recommender", CATEGORY,
    inputs=[Port("model", PortType.MODEL, "Trained SVD recommendation"),
            Port("data", PortType.DATAFRAME, "Dataset to score",
                 help="Rating prediction: user-item pairs. Item recommendation: the users (and, for 'rated "
                      "items', the items to rank), in the model's user and item columns.")],
    outputs=[Port("data", PortType.DATAFRAME, "Scored dataset")],
    params=[
        Param("prediction_kind", ParamKind.CHOICE, "Recommender prediction kind", default="rating_prediction",
              choices=("rating_prediction", "item_recommendation"),
              help="rating_prediction: a scored_rating per row. item_recommendation: one row per user with "
                   "'Item 1' ... 'Item N', best first."),
        Param("item_selection", ParamKind.CHOICE, "Recommended item selection", default="unrated_items",
              choices=("all_items", "rated_items", "unrated_items"),
              help="all_items: every item of the training data. rated_items: only the user's items in this "
                   "dataset (to evaluate a ranking). unrated_items: items the user did not rate in training."),
        Param("max_items", ParamKind.INT, "Maximum number of items to recommend to a user", default=5, min=1,
              max=1000),
    ],
    infer_schema=_score_schema,
    check=_score_check,
)
def score_svd_recommender(ctx: Any, *, model: SVDRecommender, data: pd.DataFrame,
                          prediction_kind: str = "rating_prediction", item_selection: str = "unrated_items",
                          max_items: int = 5) -> pd.DataFrame:
    """Predict the rating of each user-item row, or recommend up to `max_items` items to each user."""
    name = "Score SVD Recommender"
    if not isinstance(model, SVDRecommender):
        raise TypeError(f"{name}: the model input is not a trained SVD recommender (got {type(model).__name__}); "
                        "connect Train SVD Recommender")
    if prediction_kind == "rating_prediction":
        require_columns(data, [model.user_column, model.item_column])
        u, i = model.user_codes(data[model.user_column]), model.item_codes(data[model.item_column])
        out = data.copy(deep=False)  # the input's columns are shared; scored_rating is new
        out[SCORED_RATING] = model.predict_codes(u, i)
        ctx.log(f"rated {len(out)} user-item pairs; {int((u < 0).sum())} with a user and {int((i < 0).sum())} "
                "with an item unknown to the model (rated by the biases that are known)")
        ctx.progress(1.0, f"rated {len(out)} pairs")
        return out
    if prediction_kind != "item_recommendation":
        raise ValueError(f"{name}: param 'prediction_kind' must be rating_prediction or item_recommendation")
    if item_selection not in ("all_items", "rated_items", "unrated_items"):
        raise ValueError(f"{name}: param 'item_selection' must be all_items, rated_items or unrated_items")
    return _recommend(ctx, model, data, item_selection, int(max_items))


def _recommend(ctx: Any, model: SVDRecommender, data: pd.DataFrame, selection: str, n: int) -> pd.DataFrame:
    needed = [model.user_column] + ([model.item_column] if selection == "rated_items" else [])
    require_columns(data, needed)
    _no_missing(data, needed, "Score SVD Recommender")
    users = pd.Series(pd.unique(data[model.user_column]), name=model.user_column)  # in order of first appearance
    codes = model.user_codes(users)
    candidates: dict[Any, np.ndarray] = {}
    if selection == "rated_items":
        pairs = pd.DataFrame({"u": pd.Index(users).get_indexer(data[model.user_column]),
                              "i": model.item_codes(data[model.item_column])})
        pairs = pairs[pairs["i"] >= 0].drop_duplicates()
        candidates = {k: g.to_numpy() for k, g in pairs.groupby("u")["i"]}
    picks = np.full((len(users), n), -1, dtype=np.intp)
    for begin in range(0, len(users), _SCORE_CHUNK_USERS):
        scores = model.item_scores(codes[begin:begin + _SCORE_CHUNK_USERS])
        for row in range(scores.shape[0]):
            position = begin + row
            if selection == "rated_items":
                allowed = np.zeros(scores.shape[1], dtype=bool)
                allowed[candidates.get(position, np.zeros(0, np.intp))] = True
            else:
                allowed = np.ones(scores.shape[1], dtype=bool)
                if selection == "unrated_items":
                    allowed[model.rated_by(int(codes[position]))] = False
            pool = np.flatnonzero(allowed)
            ranked = pool[np.argsort(-scores[row, pool], kind="stable")][:n]
            picks[position, :len(ranked)] = ranked
        ctx.progress(min(1.0, (begin + scores.shape[0]) / max(1, len(users))),
                     f"recommended for {begin + scores.shape[0]} of {len(users)} users")
    out = pd.DataFrame({model.user_column: users})
    complete = bool((picks >= 0).all())  # else every item column may miss values: one type for all
    for k in range(n):
        out[item_column_name(k + 1)] = _ids(model.items, picks[:, k], complete)
    ctx.log(f"recommended up to {n} items ({selection}) to each of {len(users)} users; "
            f"{int((codes < 0).sum())} users unknown to the model got the items rated best overall")
    return out


def _ids(items: np.ndarray, picks: np.ndarray, complete: bool) -> Any:
    """The item ids of `picks` (-1: none), missing where there is none, in the items' own type
    (nullable integers when ids are whole numbers and the table is not `complete`)."""
    if complete:
        return items[picks]
    values = [items[p] if p >= 0 else None for p in picks]
    if np.issubdtype(items.dtype, np.integer):
        return pd.array(values, dtype="Int64")
    return pd.Series(values, dtype=object)


# -- Evaluate Recommender ---------------------------------------------------------------------------
def _evaluate_check(design: Design) -> list[Violation]:
    return _column_violations(design.inputs.get("test"), design.params, "Evaluate Recommender", port="test")


@module(
    "evaluate_recommender", "1", "Evaluate Recommender", CATEGORY,
    inputs=[Port("test", PortType.DATAFRAME, "Test dataset", help="The true user-item-rating triples."),
            Port("scored", PortType.DATAFRAME, "Scored dataset", help="The output of Score SVD Recommender.")],
    outputs=[Port("metrics", PortType.METRICS, "Metric")],
    params=[
        *_id_params("test"),
        Param("k", ParamKind.INT, "Number of recommendations evaluated (k)", default=5, min=1, max=1000,
              help="precision@k, recall@k and NDCG@k read each user's first k recommended items."),
        Param("relevance_threshold", ParamKind.FLOAT, "Relevance threshold", required=False,
              help="A test item is relevant to its user when rated at least this; empty: every test item is."),
    ],
    check=_evaluate_check,
)
def evaluate_recommender(ctx: Any, *, test: pd.DataFrame, scored: pd.DataFrame, user_column: str | None = None,
                         item_column: str | None = None, rating_column: str | None = None, k: int = 5,
                         relevance_threshold: float | None = None) -> dict[str, Any]:
    """Rating predictions (a scored_rating column): MAE, RMSE, R squared and explained variance over
    the test pairs. Item recommendations ('Item 1' ...): precision@k, recall@k and NDCG@k, averaged
    over the users that have a relevant test item; NDCG's gains are the test ratings (as
    scikit-learn's ndcg_score)."""
    name = "Evaluate Recommender"
    user, item, rating = resolve_columns(test.columns, user_column, item_column, rating_column, name)
    require_columns(test, [user, item, rating])
    _check_rating(test, rating, name)
    _no_missing(test, [user, item, rating], name)
    if SCORED_RATING in scored.columns:
        metrics = _rating_metrics(test, scored, user, item, rating, name)
    elif any(_ITEM_COLUMN.match(str(c)) for c in scored.columns):
        metrics = _ranking_metrics(test, scored, user, item, rating, int(k), relevance_threshold, name)
    else:
        raise ValueError(f"{name}: the scored dataset has neither {SCORED_RATING!r} nor 'Item 1', ... columns; "
                         f"connect Score SVD Recommender (its columns: {describe_columns(scored.columns)})")
    for key, value in metrics.items():
        if isinstance(value, float) and math.isfinite(value):
            ctx.metric(key, value)
    ctx.log(f"evaluated {metrics['kind']}: " + ", ".join(f"{key} {value:.4f}" for key, value in metrics.items()
                                                       if isinstance(value, float)))
    return metrics


def _rating_metrics(test: pd.DataFrame, scored: pd.DataFrame, user: str, item: str, rating: str,
                    name: str) -> dict[str, Any]:
    from sklearn import metrics as skm

    require_columns(scored, [user, item], what="scored column")
    predicted = scored[[user, item, SCORED_RATING]].drop_duplicates([user, item])
    truth = test[[user, item, rating]].rename(columns={rating: "_truth"})
    joined = truth.merge(predicted, on=[user, item], how="left")
    scored_pairs = joined[SCORED_RATING].notna()
    if not scored_pairs.any():
        raise ValueError(f"{name}: no test pair ({user!r}, {item!r}) has a score; score the test dataset itself")
    y = joined.loc[scored_pairs, "_truth"].to_numpy(float)
    pred = joined.loc[scored_pairs, SCORED_RATING].to_numpy(float)
    return {
        "task": "recommendation", "kind": "rating_prediction", "rows": int(scored_pairs.sum()),
        "unscored_rows": int((~scored_pairs).sum()),
        "mae": float(skm.mean_absolute_error(y, pred)),
        "rmse": float(math.sqrt(skm.mean_squared_error(y, pred))),
        "r2": float(skm.r2_score(y, pred)) if len(y) > 1 else float("nan"),
        "explained_variance": float(skm.explained_variance_score(y, pred)) if len(y) > 1 else float("nan"),
    }


def _ranking_metrics(test: pd.DataFrame, scored: pd.DataFrame, user: str, item: str, rating: str, k: int,
                     threshold: float | None, name: str) -> dict[str, Any]:
    require_columns(scored, [user], what="scored column")
    item_columns = sorted((c for c in scored.columns if _ITEM_COLUMN.match(str(c))),
                          key=lambda c: int(_ITEM_COLUMN.match(str(c)).group(1)))  # type: ignore[union-attr]
    gains: dict[Any, dict[Any, float]] = {}
    for u, it, r in zip(test[user].tolist(), test[item].tolist(), test[rating].to_numpy(float).tolist()):
        gains.setdefault(u, {})[it] = max(r, gains.get(u, {}).get(it, r))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    precision, recall, ndcg = [], [], []
    for row in scored[[user, *item_columns]].itertuples(index=False):
        truth = gains.get(row[0])
        if not truth:
            continue
        relevant = {it for it, r in truth.items() if threshold is None or r >= threshold}
        if not relevant:
            continue
        recs = [it for it in row[1:] if not pd.isna(it)][:k]
        hits = sum(1 for it in recs if it in relevant)
        precision.append(hits / k)
        recall.append(hits / len(relevant))
        ideal = np.sort(np.fromiter(truth.values(), float))[::-1][:k]
        idcg = float(ideal @ discounts[:len(ideal)])
        dcg = float(sum(truth.get(it, 0.0) * discounts[pos] for pos, it in enumerate(recs)))
        ndcg.append(dcg / idcg if idcg > 0 else 0.0)
    if not precision:
        raise ValueError(f"{name}: no user of the scored dataset has a relevant item in the test dataset "
                         f"(users read from column {user!r}); check that both come from the same users")
    return {
        "task": "recommendation", "kind": "item_recommendation", "k": k, "users": len(precision),
        f"precision_at_{k}": float(np.mean(precision)), f"recall_at_{k}": float(np.mean(recall)),
        f"ndcg_at_{k}": float(np.mean(ndcg)),
    }
