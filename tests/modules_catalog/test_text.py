"""Text Analytics on a real corpus (the sentences of scikit-learn's bundled data set descriptions),
each compared with the same computation done directly with scikit-learn."""
from __future__ import annotations

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, HashingVectorizer, TfidfVectorizer

from modules_catalog.context import SimpleContext
from modules_catalog.spec import Column


def corpus() -> pd.DataFrame:
    """One row per sentence of the descriptions of five bundled data sets, with where it came from."""
    from sklearn import datasets

    rows = []
    for name in ("iris", "wine", "breast_cancer", "diabetes", "digits"):
        text = getattr(datasets, f"load_{name}")().DESCR
        for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", text):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= 4:
                rows.append((sentence, name))
    df = pd.DataFrame(rows, columns=["text", "source"])
    df["length"] = df["text"].str.len()
    return df


@pytest.fixture(scope="module")
def docs():
    return corpus()


def run(catalog, key, **kwargs):
    ctx = SimpleContext(seed=0)
    return catalog.get(key).fn(ctx, **kwargs), ctx


# -- Preprocess Text ---------------------------------------------------------------------------------
def test_preprocess_keeps_the_letter_words_that_are_not_stop_words(catalog, docs):
    # URLs and e-mail addresses are the next test's: here they are words like any other
    out, ctx = run(catalog, "preprocess_text", data=docs, text_column="text", remove_urls=False,
                   remove_emails=False)
    assert list(out.columns) == ["text", "source", "length", "Preprocessed text"]
    expected = [" ".join(w for w in re.findall(r"[^\W\d_]+", t.lower()) if w not in ENGLISH_STOP_WORDS)
                for t in docs["text"]]
    assert out["Preprocessed text"].tolist() == expected
    pd.testing.assert_frame_equal(out[["text", "source", "length"]], docs)
    assert len(docs) > 100 and any("words before" in line for line in ctx.logs)


def test_preprocess_removes_urls_and_emails_and_can_stem(catalog):
    df = pd.DataFrame({"t": ["See https://example.org/a?b=1 or mail Ann.Lee@example.co.uk NOW!",
                             "Flowers were running   in 3 fields_of www.iris.net", None]})
    out, _ = run(catalog, "preprocess_text", data=df, text_column="t", remove_stop_words=False)
    assert out["Preprocessed t"].tolist() == ["see or mail now", "flowers were running in fields of", None]
    out, _ = run(catalog, "preprocess_text", data=df, text_column="t", stem=True, replace=True)
    assert list(out.columns) == ["t"]
    assert out["t"].tolist() == ["mail", "flower run field", None]
    out, _ = run(catalog, "preprocess_text", data=df, text_column="t", lowercase=False, remove_numbers=False,
                 remove_special_characters=False, remove_stop_words=False, remove_urls=False, remove_emails=False,
                 normalize_whitespace=False)
    assert out["Preprocessed t"].tolist() == df["t"].tolist()


def test_preprocess_refuses_a_numeric_column_naming_it(catalog, docs):
    with pytest.raises(ValueError, match=r"Preprocess Text: column 'length' holds int values, and Preprocess Text "
                                         r"reads text"):
        run(catalog, "preprocess_text", data=docs, text_column="length")
    spec = catalog.get("preprocess_text")
    assert spec.param("text_column").dtypes == ("string", "category")


def test_preprocess_schema_appends_or_replaces(catalog):
    spec = catalog.get("preprocess_text")
    schema = (Column("text", "string"), Column("n", "int"))
    assert spec.infer_schema({"data": schema}, {"text_column": "text"})["data"] == (
        *schema, Column("Preprocessed text", "string"))
    assert spec.infer_schema({"data": schema}, {"text_column": "text", "replace": True})["data"] == schema


# -- Extract N-Gram Features -------------------------------------------------------------------------
@pytest.mark.parametrize("weighting", ["tfidf", "tf", "binary"])
def test_ngram_features_are_scikit_learns(catalog, docs, weighting):
    params = dict(text_column="text", ngram_size=2, weighting=weighting, min_document_frequency=2,
                  max_document_frequency=0.5, max_vocabulary=300, normalize=weighting == "tfidf")
    out, ctx = run(catalog, "extract_ngram_features", data=docs, **params)
    kwargs = dict(ngram_range=(1, 2), min_df=2, max_df=0.5, max_features=300)
    if weighting == "tfidf":
        direct = TfidfVectorizer(**kwargs)
    else:
        direct = CountVectorizer(binary=weighting == "binary", **kwargs)
    expected = direct.fit_transform(docs["text"]).toarray()
    names = [f"text[{t}]" for t in direct.get_feature_names_out()]
    assert list(out["data"].columns) == ["source", "length", *names]
    np.testing.assert_allclose(out["data"][names].to_numpy(), expected, rtol=1e-12, atol=1e-12)
    vocabulary = out["vocabulary"]
    assert vocabulary["ngram"].tolist() == list(direct.get_feature_names_out())
    # binary counts choose the vocabulary by document frequency, counts by term frequency
    counts = CountVectorizer(binary=weighting == "binary", **kwargs).fit_transform(docs["text"])
    np.testing.assert_array_equal(vocabulary["document_frequency"], (counts > 0).sum(axis=0).A1)
    if weighting == "tfidf":
        np.testing.assert_allclose(vocabulary["idf"], direct.idf_)
    assert ("vocabulary_size", 300.0, None) in ctx.metrics


def test_the_ngram_transform_vectorises_other_rows_identically_and_pickles(catalog, docs):
    train, test = docs.iloc[:70], docs.iloc[70:]
    out, _ = run(catalog, "extract_ngram_features", data=train, text_column="text", max_vocabulary=200)
    transform = pickle.loads(pickle.dumps(out["transform"]))
    applied = transform.apply(test)
    direct = TfidfVectorizer(max_features=200).fit(train["text"])
    names = [f"text[{t}]" for t in direct.get_feature_names_out()]
    np.testing.assert_allclose(applied[names].to_numpy(), direct.transform(test["text"]).toarray())
    assert applied.index.equals(test.index)
    assert list(applied.columns) == list(out["data"].columns)
    assert transform.apply(test.iloc[:0]).shape == (0, out["data"].shape[1])


def test_ngram_features_explain_an_empty_vocabulary(catalog):
    df = pd.DataFrame({"t": ["a", "b", None]})
    with pytest.raises(ValueError, match="column 't' leaves no n-grams to count"):
        run(catalog, "extract_ngram_features", data=df, text_column="t")


def test_ngram_keep_text_keeps_the_column(catalog, docs):
    out, _ = run(catalog, "extract_ngram_features", data=docs.head(20), text_column="text", keep_text=True,
                 max_vocabulary=5)
    assert list(out["data"].columns[:3]) == ["text", "source", "length"] and out["data"].shape[1] == 8


# -- Feature Hashing ---------------------------------------------------------------------------------
def test_feature_hashing_is_scikit_learns_hashing_vectorizer(catalog, docs):
    out, _ = run(catalog, "feature_hashing", data=docs, text_column="text", bits=8, ngram_size=2)
    direct = HashingVectorizer(n_features=256, ngram_range=(1, 2), alternate_sign=False, norm=None)
    expected = direct.transform(docs["text"]).toarray()
    names = [f"text_hash_{i}" for i in range(256)]
    assert list(out.columns) == ["source", "length", *names]
    np.testing.assert_array_equal(out[names].to_numpy(), expected)
    spec = catalog.get("feature_hashing")
    schema = (Column("text", "string"), Column("source", "string"))
    inferred = spec.infer_schema({"data": schema}, {"text_column": "text", "bits": 3})["data"]
    assert inferred == (Column("source", "string"), *(Column(f"text_hash_{i}", "float") for i in range(8)))


def test_feature_hashing_refuses_more_values_than_the_limit(catalog, docs):
    with pytest.raises(ValueError, match="lower the hashing bitsize"):
        run(catalog, "feature_hashing", data=docs, text_column="text", bits=20)


# -- Latent Dirichlet Allocation ---------------------------------------------------------------------
def test_lda_is_scikit_learns_online_lda_and_is_seeded(catalog, docs):
    from sklearn.decomposition import LatentDirichletAllocation

    params = dict(text_column="text", topics=4, passes=5, batch_size=64, seed=7, max_vocabulary=400)
    out, ctx = run(catalog, "latent_dirichlet_allocation", data=docs, **params)
    counts = CountVectorizer(max_features=400).fit_transform(docs["text"])
    direct = LatentDirichletAllocation(n_components=4, learning_method="online", max_iter=5, batch_size=64,
                                       random_state=7)
    expected = direct.fit_transform(counts)
    topics = [f"Topic {k}" for k in range(1, 5)]
    assert list(out["data"].columns) == ["source", "length", *topics]
    np.testing.assert_allclose(out["data"][topics].to_numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["data"][topics].sum(axis=1), 1.0)
    terms = out["topic_terms"]
    assert terms["term"].tolist() == list(CountVectorizer(max_features=400).fit(docs["text"]).get_feature_names_out())
    np.testing.assert_allclose(terms[topics].to_numpy(), (direct.components_ / direct.components_.sum(1)[:, None]).T)
    assert [round(f, 2) for f, _ in ctx.progress_marks][:5] == [0.22, 0.39, 0.56, 0.73, 0.9]
    again, _ = run(catalog, "latent_dirichlet_allocation", data=docs, **params)
    pd.testing.assert_frame_equal(again["data"], out["data"])
    other, _ = run(catalog, "latent_dirichlet_allocation", data=docs, **{**params, "seed": 8})
    assert not np.allclose(other["data"][topics].to_numpy(), out["data"][topics].to_numpy())


def test_lda_transform_applies_the_topic_model_to_other_rows(catalog, docs):
    out, _ = run(catalog, "latent_dirichlet_allocation", data=docs.iloc[:70], text_column="text", topics=3,
                 passes=2)
    transform = pickle.loads(pickle.dumps(out["transform"]))
    applied = transform.apply(docs.iloc[70:])
    assert transform.apply(docs.iloc[:0]).shape == (0, 5)
    lda, vectorizer = out["transform"].lda, out["transform"].vectorizer
    np.testing.assert_allclose(applied[["Topic 1", "Topic 2", "Topic 3"]].to_numpy(),
                               lda.transform(vectorizer.transform(docs["text"].iloc[70:])))
    schema = (Column("text", "string"), Column("source", "string"))
    inferred = catalog.get("latent_dirichlet_allocation").infer_schema({"data": schema},
                                                                       {"text_column": "text", "topics": 2})
    assert inferred["data"] == (Column("source", "string"), Column("Topic 1", "float"), Column("Topic 2", "float"))


def test_every_text_module_declares_text_columns_and_its_category(catalog):
    for key in ("preprocess_text", "extract_ngram_features", "feature_hashing", "latent_dirichlet_allocation"):
        spec = catalog.get(key)
        assert spec.category == "Text Analytics" and spec.description
        assert spec.param("text_column").dtypes == ("string", "category")
        assert spec.infer_schema is not None


def test_no_rows_give_no_rows_with_the_same_columns(catalog, docs):
    hashed, _ = run(catalog, "feature_hashing", data=docs.iloc[:0], text_column="text", bits=3)
    assert list(hashed.columns) == ["source", "length", *(f"text_hash_{i}" for i in range(8))] and hashed.empty
    cleaned, _ = run(catalog, "preprocess_text", data=docs.iloc[:0], text_column="text")
    assert list(cleaned.columns) == ["text", "source", "length", "Preprocessed text"] and cleaned.empty
    with pytest.raises(ValueError, match="no rows to build a vocabulary from"):
        run(catalog, "extract_ngram_features", data=docs.iloc[:0], text_column="text")
