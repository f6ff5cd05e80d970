"""Sample Dataset and Import Data, against scikit-learn's own loaders."""
from __future__ import annotations

import pandas as pd
import pytest
from sklearn import datasets

from modules_catalog.context import SimpleContext
from modules_catalog.schema import schema_of
from modules_catalog.spec import Column


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "diabetes", "digits"])
def test_sample_dataset_is_sklearns_frame_with_a_target_column(catalog, ctx, name):
    spec = catalog.get("sample_dataset", "1")
    df = spec.fn(ctx, name=name)
    expected = getattr(datasets, f"load_{name}")(as_frame=True).frame
    pd.testing.assert_frame_equal(df, expected)
    assert df.columns[-1] == "target"


def test_sample_dataset_target_is_int_for_classification_and_float_for_diabetes(catalog, ctx):
    spec = catalog.get("sample_dataset", "1")
    assert spec.fn(ctx, name="wine")["target"].dtype.kind == "i"
    assert spec.fn(ctx, name="diabetes")["target"].dtype.kind == "f"


def test_sample_dataset_returns_a_copy_the_caller_may_change(catalog, ctx):
    spec = catalog.get("sample_dataset", "1")
    spec.fn(ctx, name="iris")["target"] = -1
    assert (spec.fn(ctx, name="iris")["target"] >= 0).all()


def test_sample_dataset_infers_the_schema_it_produces(catalog, ctx):
    spec = catalog.get("sample_dataset", "1")
    for name in ("iris", "digits", "diabetes"):
        inferred = spec.infer_schema({}, {"name": name})["data"]
        assert inferred == schema_of(spec.fn(ctx, name=name))
    assert spec.infer_schema({}, {"name": "iris"})["data"][-1] == Column("target", "int")
    assert spec.infer_schema({}, {"name": "diabetes"})["data"][-1] == Column("target", "float")
    assert spec.infer_schema({}, {"name": "unknown"})["data"] is None


def test_import_data_returns_the_dataset_the_context_resolves(catalog):
    df = datasets.load_iris(as_frame=True).frame
    ctx = SimpleContext(datasets={"flowers": df})
    spec = catalog.get("import_data")
    out = spec.fn(ctx, dataset={"name": "flowers", "version": 2, "digest": "abc"})
    pd.testing.assert_frame_equal(out, df)
    assert "flowers v2" in ctx.logs[0]


def test_import_data_without_a_dataset_says_so(catalog, ctx):
    with pytest.raises(ValueError, match="'dataset'"):
        catalog.get("import_data").fn(ctx, dataset=None)


def test_import_data_infers_a_schema_only_when_the_reference_carries_one(catalog):
    spec = catalog.get("import_data", "1")
    ref = {"name": "flowers", "version": 1, "digest": "abc"}
    assert spec.infer_schema({}, {"dataset": ref})["data"] is None
    assert spec.infer_schema({}, {"dataset": None})["data"] is None
    with_schema = dict(ref, schema=[{"name": "a", "dtype": "float"}, {"name": "b", "dtype": "string"}])
    assert spec.infer_schema({}, {"dataset": with_schema})["data"] == (Column("a", "float"), Column("b", "string"))


def test_the_penguins_sample_is_palmer_penguins_with_its_text_columns_and_gaps():
    from palmerpenguins import load_penguins

    from modules_catalog.context import SimpleContext
    from modules_catalog.registry import load_builtins

    spec = load_builtins().get("sample_dataset")
    df = spec.fn(SimpleContext(), name="penguins")
    pd.testing.assert_frame_equal(df, load_penguins())
    schema = {c.name: c.dtype for c in spec.infer_schema({}, {"name": "penguins"})["data"]}
    assert schema["species"] == schema["sex"] == "string" and schema["body_mass_g"] == "float"
    assert df["sex"].isna().sum() == 11


def test_the_text_sample_is_scikit_learns_estimator_docs_labelled_by_package():
    import sklearn.ensemble

    from modules_catalog.builtins.data import DOC_FAMILIES
    from modules_catalog.context import SimpleContext
    from modules_catalog.registry import load_builtins

    df = load_builtins().get("sample_dataset").fn(SimpleContext(), name="sklearn_docs")
    assert list(df.columns) == ["text", "target"] and set(df["target"]) == set(DOC_FAMILIES)
    assert df["text"].is_unique and len(df) > 1000
    assert df["text"].str.split().str.len().between(6, 60).all()
    second = sklearn.ensemble.RandomForestClassifier.__doc__.split(".")[1].split()
    forest = " ".join(second[:6])  # "A random forest is a meta ..." (the first sentence is too short)
    found = df.loc[df["text"].str.startswith(forest), "target"]
    assert len(found) >= 1 and found.eq("ensemble").all()
