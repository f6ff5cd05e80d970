"""Design-time checks of the trainers and Score Model's inferred columns, through the compiler as the
designer validates a draft: each mistake is reported on its node before anything runs."""
from __future__ import annotations

from sklearn.datasets import load_breast_cancer

from engine.compiler import infer_schemas, validate_document
from engine.documents import document, edge, node
from modules_catalog.builtins.training import _supervised_check
from modules_catalog.context import SimpleContext
from modules_catalog.registry import registry
from modules_catalog.schema import schema_of
from modules_catalog.spec import Column, Design, Upstream

PASSENGERS = "sex,age,fare,survived\nmale,22,7.25,0\nfemale,38,71.28,1\nfemale,26,7.92,1\nmale,35,8.05,0\n"


def _train_graph(source: dict, learner: dict, label: str | None, **train_params) -> dict:
    params = {"label_column": label, **train_params} if label else train_params
    return document(
        [source, learner, node("train", "train_model", **params)],
        [edge(source["id"], "data", "train", "data"), edge(learner["id"], "learner", "train", "learner")])


def _errors_on(errors, node_id):
    return [e for e in errors if e["node"] == node_id]


def test_a_text_feature_column_into_train_model_is_reported_with_what_to_do():
    doc = _train_graph(node("data", "enter_data_manually", data=PASSENGERS), node("learner", "logistic_regression"),
                       "survived")
    errors = _errors_on(validate_document(doc), "train")
    assert [(e["column"], e["param"]) for e in errors] == [("sex", "feature_columns")]
    assert "column 'sex' holds text" in errors[0]["message"]
    assert "Convert to Indicator Values" in errors[0]["hint"]


def test_a_continuous_label_for_a_two_class_learner_is_reported_on_the_label_param():
    doc = _train_graph(node("data", "sample_dataset", name="iris"), node("learner", "logistic_regression"),
                       "petal width (cm)")
    errors = _errors_on(validate_document(doc), "train")
    assert [(e["param"], e["column"]) for e in errors] == [("label_column", "petal width (cm)")]
    assert "needs a label of classes" in errors[0]["message"]


def test_a_clustering_learner_into_train_model_points_to_train_clustering_model():
    doc = _train_graph(node("data", "sample_dataset", name="iris"), node("learner", "k_means_clustering"), "target")
    errors = _errors_on(validate_document(doc), "train")
    assert [e["port"] for e in errors] == ["learner"]
    assert "Train Clustering Model" in errors[0]["hint"]


def test_a_learner_in_parameter_range_mode_into_train_model_points_to_tuning():
    doc = _train_graph(node("data", "sample_dataset", name="breast_cancer"),
                       node("learner", "logistic_regression", trainer_mode="Parameter Range"), "target")
    errors = _errors_on(validate_document(doc), "train")
    assert [e["port"] for e in errors] == ["learner"] and "Tune Model Hyperparameters" in errors[0]["hint"]


def test_a_well_wired_trainer_passes_and_no_label_at_all_is_reported():
    ok = _train_graph(node("data", "sample_dataset", name="breast_cancer"), node("learner", "logistic_regression"),
                      "target")
    assert validate_document(ok) == []
    missing = _train_graph(node("data", "sample_dataset", name="breast_cancer"),
                           node("learner", "logistic_regression"), None)
    errors = _errors_on(validate_document(missing), "train")
    assert [e["param"] for e in errors] == ["label_column"] and "Edit Metadata" in errors[0]["hint"]


def test_the_label_role_stands_in_for_a_chosen_label_at_design_time():
    learner = registry.get("logistic_regression")
    schema = (Column("x", "float"), Column("y", "float"), Column("kind", "string", "label"))
    design = Design(inputs={"data": schema}, params={}, upstream={"learner": Upstream(learner, {}, "learner")})
    assert list(_supervised_check("Train Model")(design)) == []
    wrong = (Column("x", "float"), Column("y", "float", "label"))
    found = list(_supervised_check("Train Model")(Design({"data": wrong}, {}, {"learner": Upstream(learner, {}, "learner")})))
    assert [(v.column, v.param) for v in found] == [("y", "label_column")]


def test_score_model_infers_a_two_class_models_columns_as_they_come_out():
    doc = document(
        [node("data", "sample_dataset", name="breast_cancer"), node("split", "split_data", fraction=0.5, seed=1),
         node("learner", "logistic_regression"), node("train", "train_model", label_column="target"),
         node("score", "score_model")],
        [edge("data", "data", "split", "data"), edge("split", "train", "train", "data"),
         edge("learner", "learner", "train", "learner"), edge("train", "model", "score", "model"),
         edge("split", "test", "score", "data")])
    schemas, errors = infer_schemas(doc)
    assert errors == []
    inferred = schemas["score"]["outputs"]["data"]
    frame = load_breast_cancer(as_frame=True).frame
    ctx = SimpleContext()
    model = registry.get("train_model").fn(ctx, learner=registry.get("logistic_regression").fn(ctx), data=frame,
                                           label_column="target")
    scored = registry.get("score_model").fn(ctx, model=model, data=frame)
    assert [(c["name"], c["dtype"]) for c in inferred] == [(c.name, c.dtype) for c in schema_of(scored)]


def test_score_model_reports_a_feature_the_model_was_trained_on_that_its_rows_lack():
    kept = [c for c in load_breast_cancer(as_frame=True).frame.columns if c != "mean radius"]
    doc = document(
        [node("data", "sample_dataset", name="breast_cancer"), node("learner", "logistic_regression"),
         node("train", "train_model", label_column="target"), node("pick", "select_columns", columns=kept),
         node("score", "score_model")],
        [edge("data", "data", "train", "data"), edge("learner", "learner", "train", "learner"),
         edge("data", "data", "pick", "data"), edge("train", "model", "score", "model"),
         edge("pick", "data", "score", "data")])
    errors = _errors_on(validate_document(doc), "score")
    assert [(e["port"], e["column"]) for e in errors] == [("data", "mean radius")]


def _inferred(doc, node_id, port="data"):
    schemas, errors = infer_schemas(doc)
    assert errors == []
    found = schemas[node_id]["outputs"].get(port)
    return None if found is None else [(c["name"], c["dtype"]) for c in found]


def _columns(frame):
    return [(c.name, c.dtype) for c in schema_of(frame)]


def test_clustering_outputs_are_inferred_from_the_number_of_centroids():
    from sklearn.datasets import load_iris

    doc = document(
        [node("data", "sample_dataset", name="iris"), node("learner", "k_means_clustering", n_clusters=4),
         node("train", "train_clustering_model", label_column="target"), node("assign", "assign_data_to_clusters"),
         node("only", "assign_data_to_clusters", append=False), node("score", "score_model")],
        [edge("data", "data", "train", "data"), edge("learner", "learner", "train", "learner"),
         edge("train", "model", "assign", "model"), edge("data", "data", "assign", "data"),
         edge("train", "model", "only", "model"), edge("data", "data", "only", "data"),
         edge("train", "model", "score", "model"), edge("data", "data", "score", "data")])
    iris = load_iris(as_frame=True).frame
    ctx = SimpleContext()
    out = registry.get("train_clustering_model").fn(ctx, learner=registry.get("k_means_clustering").fn(ctx, n_clusters=4),
                                                    data=iris, label_column="target")
    assigned = registry.get("assign_data_to_clusters").fn(ctx, model=out["model"], data=iris)
    only = registry.get("assign_data_to_clusters").fn(ctx, model=out["model"], data=iris, append=False)
    assert _inferred(doc, "train") == _columns(out["data"])
    assert _inferred(doc, "assign") == _columns(assigned) == _inferred(doc, "score")
    assert _inferred(doc, "only") == _columns(only)


def test_quantile_anomaly_and_cross_validation_outputs_are_inferred_as_they_come_out():
    from sklearn.datasets import load_diabetes

    doc = document(
        [node("data", "sample_dataset", name="diabetes"),
         node("quantile", "fast_forest_quantile_regression", n_estimators=5, quantiles="0.1; 0.9"),
         node("train", "train_model", label_column="target"), node("score", "score_model"),
         node("iso", "isolation_forest"), node("anomaly", "train_anomaly_detection_model", label_column="target"),
         node("flag", "score_model"), node("linear", "linear_regression"),
         node("cv", "cross_validate_model", label_column="target", folds=3)],
        [edge("data", "data", "train", "data"), edge("quantile", "learner", "train", "learner"),
         edge("train", "model", "score", "model"), edge("data", "data", "score", "data"),
         edge("data", "data", "anomaly", "data"), edge("iso", "learner", "anomaly", "learner"),
         edge("anomaly", "model", "flag", "model"), edge("data", "data", "flag", "data"),
         edge("data", "data", "cv", "data"), edge("linear", "learner", "cv", "learner")])
    frame = load_diabetes(as_frame=True).frame
    ctx = SimpleContext()
    run = lambda key, **kw: registry.get(key).fn(ctx, **kw)  # noqa: E731
    model = run("train_model", learner=run("fast_forest_quantile_regression", n_estimators=5, quantiles="0.1; 0.9"),
                data=frame, label_column="target")
    assert _inferred(doc, "score") == _columns(run("score_model", model=model, data=frame))
    detector = run("train_anomaly_detection_model", learner=run("isolation_forest"), data=frame, label_column="target")
    assert _inferred(doc, "flag") == _columns(run("score_model", model=detector, data=frame))
    cv = run("cross_validate_model", learner=run("linear_regression"), data=frame, label_column="target", folds=3)
    assert _inferred(doc, "cv") == _columns(cv["data"])
    assert _inferred(doc, "cv", "evaluation") is None


def test_permutation_feature_importance_wants_the_label_and_features_of_the_model():
    doc = document(
        [node("data", "sample_dataset", name="diabetes"), node("learner", "linear_regression"),
         node("train", "train_model", label_column="target"), node("pick", "select_columns", columns=["bmi", "s5"]),
         node("pfi", "permutation_feature_importance")],
        [edge("data", "data", "train", "data"), edge("learner", "learner", "train", "learner"),
         edge("data", "data", "pick", "data"), edge("train", "model", "pfi", "model"), edge("pick", "data", "pfi", "data")])
    errors = _errors_on(validate_document(doc), "pfi")
    assert errors[0]["column"] == "target" and "true labels" in errors[0]["hint"]
    assert {e["column"] for e in errors[1:]} == {"age", "sex", "bp", "s1", "s2", "s3", "s4", "s6"}
