"""Text Analytics: clean text, turn it into n-gram, hashed or topic features a learner can use.

Every module here reads one text column (chosen with a COLUMNS param that accepts text and
category columns only) and leaves its input untouched. The fitted vocabularies and topic models
are Transforms (Apply Transformation vectorises other rows exactly as the training rows were)."""
from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..schema import dtype_kind
from ..spec import Column, Param, ParamKind, Port, PortType, Schema, module
from ..trained import Transform, require_columns
from .transforms import single_column

CATEGORY = "Text Analytics"
TEXT_DTYPES = ("string", "category")
TEXT_HINT = "choose a column of text, or convert the column with Edit Metadata"
# a feature table is dense: rows x features above this many cells is refused with what to change
MAX_CELLS = 20_000_000
MAX_VOCABULARY = 20_000
# Feature Hashing's output schema is inferred (and shown) up to this many hashed columns
MAX_INFERRED_HASH_COLUMNS = 4096
_PROGRESS_ROWS = 10_000

URL_PATTERN = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)
EMAIL_PATTERN = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
NUMBER_PATTERN = re.compile(r"\d+")
SPECIAL_PATTERN = re.compile(r"[^\w\s]|_")


def _text_param(help: str = "The column of text to read.") -> Param:
    return Param("text_column", ParamKind.COLUMNS, "Text column", port="data", multiple=False,
                 dtypes=TEXT_DTYPES, hint=TEXT_HINT, help=help)


def _data_port() -> Port:
    return Port("data", PortType.DATAFRAME, "Dataset")


def texts_of(data: pd.DataFrame, column: Any, module: str) -> tuple[str, list[str | None]]:
    """The chosen column's name and its values as text (None where missing); a column that is not
    text is refused naming the column, its type and the module."""
    name = single_column(column)
    if name is None:
        raise ValueError(f"{module}: param 'text_column' is required")
    require_columns(data, [name], what="text column")
    s = data[name]
    kind = dtype_kind(s.dtype)
    if kind not in TEXT_DTYPES:
        raise ValueError(f"{module}: column {name!r} holds {kind} values, and {module} reads text; {TEXT_HINT}")
    values = s.astype(object).where(s.notna(), None).tolist()
    return name, [None if v is None else str(v) for v in values]


def _check_cells(rows: int, columns: int, module: str, change: str) -> None:
    if rows * columns > MAX_CELLS:
        raise ValueError(f"{module}: {rows} rows x {columns} features is {rows * columns} values, more than the "
                         f"limit of {MAX_CELLS}; {change}")


def _with_features(data: pd.DataFrame, text_column: str, keep_text: bool, features: pd.DataFrame,
                   module: str) -> pd.DataFrame:
    """The input's columns (less the text column unless kept) followed by `features`; the row
    index is the input's."""
    base = data if keep_text else data.drop(columns=[text_column])
    clash = [c for c in features.columns if c in base.columns]
    if clash:
        raise ValueError(f"{module}: the input already has a column named {clash[0]!r}, which a feature would "
                         "overwrite; rename it with Edit Metadata")
    out = pd.concat([base.reset_index(drop=True), features.reset_index(drop=True)], axis=1)
    out.index = data.index
    return out


def _features_frame(matrix: Any, names: list[str]) -> pd.DataFrame:
    dense = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
    return pd.DataFrame(dense.astype(np.float64, copy=False), columns=names)


def _documents(texts: list[str | None]) -> list[str]:
    return ["" if t is None else t for t in texts]


def _drop_text_schema(schema: Schema, params: Mapping[str, Any]) -> tuple[Column, ...]:
    name = single_column(params.get("text_column"))
    return tuple(schema) if params.get("keep_text") else tuple(c for c in schema if c.name != name)


# -- Preprocess Text --------------------------------------------------------------------------------
def preprocess(text: str | None, *, lowercase: bool = True, remove_stop_words: bool = True,
               remove_numbers: bool = True, remove_special_characters: bool = True, remove_urls: bool = True,
               remove_emails: bool = True, normalize_whitespace: bool = True, stem: bool = False) -> str | None:
    """One text cleaned as Preprocess Text does: URLs and e-mail addresses first, then case,
    numbers and special characters; then (as words) stop words, stemming, single spaces."""
    if text is None:
        return None
    if remove_urls:
        text = URL_PATTERN.sub(" ", text)
    if remove_emails:
        text = EMAIL_PATTERN.sub(" ", text)
    if lowercase:
        text = text.lower()
    if remove_numbers:
        text = NUMBER_PATTERN.sub(" ", text)
    if remove_special_characters:
        text = SPECIAL_PATTERN.sub(" ", text)
    if not (remove_stop_words or stem or normalize_whitespace):
        return text
    words = text.split()
    if remove_stop_words:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words = [w for w in words if w.lower() not in ENGLISH_STOP_WORDS]
    if stem:
        words = _stemmer().stemWords(words)
    return " ".join(words)


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import snowballstemmer

        _STEMMER = snowballstemmer.stemmer("english")
    return _STEMMER


def _preprocessed_name(params: Mapping[str, Any], column: str) -> str:
    return column if params.get("replace") else f"Preprocessed {column}"


def _preprocess_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema, name = inputs.get("data"), single_column(params.get("text_column"))
    if schema is None or name is None:
        return {"data": None}
    target = _preprocessed_name(params, name)
    kept = tuple(Column(c.name, "string", c.role) if c.name == target else c for c in schema)
    return {"data": kept if any(c.name == target for c in schema) else (*kept, Column(target, "string"))}


@module(
    "preprocess_text", "1", "Preprocess Text", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Results dataset")],
    params=[
        _text_param("The column of text to clean."),
        Param("remove_stop_words", ParamKind.BOOL, "Remove stop words", default=True,
              help="scikit-learn's English stop-word list (318 words: 'the', 'and', 'of', ...)."),
        Param("lowercase", ParamKind.BOOL, "Normalize case to lowercase", default=True),
        Param("remove_numbers", ParamKind.BOOL, "Remove numbers", default=True),
        Param("remove_special_characters", ParamKind.BOOL, "Remove special characters", default=True,
              help="Everything but letters, digits and spaces (punctuation, symbols, underscores)."),
        Param("remove_urls", ParamKind.BOOL, "Remove URLs", default=True),
        Param("remove_emails", ParamKind.BOOL, "Remove email addresses", default=True),
        Param("normalize_whitespace", ParamKind.BOOL, "Normalize whitespace", default=True,
              help="Words separated by single spaces, no leading or trailing space."),
        Param("stem", ParamKind.BOOL, "Stem words", default=False,
              help="Reduce words to their stem with the Snowball (Porter 2) English stemmer: 'flowers' -> 'flower'."),
        Param("replace", ParamKind.BOOL, "Replace the column", default=False,
              help="Overwrite the text column instead of appending 'Preprocessed <column>'."),
    ],
    infer_schema=_preprocess_schema,
)
def preprocess_text(ctx: Any, *, data: pd.DataFrame, text_column: str, remove_stop_words: bool = True,
                    lowercase: bool = True, remove_numbers: bool = True, remove_special_characters: bool = True,
                    remove_urls: bool = True, remove_emails: bool = True, normalize_whitespace: bool = True,
                    stem: bool = False, replace: bool = False) -> pd.DataFrame:
    """Clean a text column for the text features that follow: remove URLs, e-mail addresses,
    numbers, special characters and English stop words, lowercase, optionally stem. The cleaned
    text is appended as 'Preprocessed <column>' (or replaces the column); missing texts stay missing."""
    name, texts = texts_of(data, text_column, "Preprocess Text")
    options = dict(lowercase=lowercase, remove_stop_words=remove_stop_words, remove_numbers=remove_numbers,
                   remove_special_characters=remove_special_characters, remove_urls=remove_urls,
                   remove_emails=remove_emails, normalize_whitespace=normalize_whitespace, stem=stem)
    cleaned: list[str | None] = []
    for begin in range(0, len(texts), _PROGRESS_ROWS):
        cleaned.extend(preprocess(t, **options) for t in texts[begin:begin + _PROGRESS_ROWS])
        if len(texts) > _PROGRESS_ROWS:
            ctx.progress(len(cleaned) / len(texts), f"cleaned {len(cleaned)} of {len(texts)} texts")
    target = _preprocessed_name({"replace": replace}, name)
    out = data.copy(deep=False)  # the input's columns are shared, not copied; only `target` is new
    out[target] = pd.Series(cleaned, index=data.index, dtype=object)
    before = sum(len(t.split()) for t in texts if t)
    after = sum(len(t.split()) for t in cleaned if t)
    ctx.log(f"cleaned {len(texts)} texts of column {name!r} into {target!r}: {before} words before, {after} after")
    return out


# -- Extract N-Gram Features from Text --------------------------------------------------------------
def _ngram_name(column: str, ngram: str) -> str:
    return f"{column}[{ngram}]"


class NGramTransform(Transform):
    """A fitted n-gram vocabulary (and IDF weights): `apply(df)` turns the text column of other rows
    into the same feature columns, in the same order, weighted the same way."""

    def __init__(self, column: str, vectorizer: Any, idf: Any, weighting: str, normalize: bool,
                 keep_text: bool) -> None:
        self.column = column
        self.columns = [column]
        self.vectorizer = vectorizer  # a fitted CountVectorizer
        self.idf = idf  # a fitted TfidfTransformer (tfidf weighting) or None
        self.weighting = weighting
        self.normalize = normalize
        self.keep_text = keep_text

    @property
    def vocabulary(self) -> list[str]:
        return [str(t) for t in self.vectorizer.get_feature_names_out()]

    @property
    def feature_names(self) -> list[str]:
        return [_ngram_name(self.column, t) for t in self.vocabulary]

    def weights(self, documents: list[str]) -> Any:
        """The sparse feature matrix of `documents`."""
        from sklearn.preprocessing import normalize

        counts = self.vectorizer.transform(documents)
        if not documents:  # no rows: no weights to compute (scikit-learn refuses an empty matrix)
            return counts
        if self.idf is not None:
            return self.idf.transform(counts)  # its own norm: l2 or none
        return normalize(counts, norm="l2") if self.normalize else counts

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        name, texts = texts_of(df, self.column, "Extract N-Gram Features from Text")
        _check_cells(len(texts), len(self.vocabulary), "Extract N-Gram Features from Text",
                     "lower the maximum vocabulary size")
        features = _features_frame(self.weights(_documents(texts)), self.feature_names)
        return _with_features(df, name, self.keep_text, features, "Extract N-Gram Features from Text")

    def __repr__(self) -> str:
        return (f"NGramTransform(column={self.column!r}, weighting={self.weighting!r}, "
                f"vocabulary={len(self.vocabulary)})")


VOCABULARY_SCHEMA = (Column("ngram", "string"), Column("document_frequency", "int"), Column("idf", "float"))


def _ngram_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    # the feature columns are the n-grams found in the rows: known only once it has run
    return {"data": None, "vocabulary": VOCABULARY_SCHEMA}


@module(
    "extract_ngram_features", "1", "Extract N-Gram Features from Text", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Results dataset"),
             Port("vocabulary", PortType.DATAFRAME, "Result vocabulary",
                  help="One row per n-gram: how many documents hold it and its inverse document frequency."),
             Port("transform", PortType.TRANSFORM, "N-gram transformation",
                  help="Vectorises other rows with this vocabulary (Apply Transformation).")],
    params=[
        _text_param(),
        Param("ngram_size", ParamKind.INT, "N-grams size", default=1, min=1, max=4,
              help="The longest sequence of words counted: 2 counts single words and pairs."),
        Param("weighting", ParamKind.CHOICE, "Weighting function", default="tfidf", choices=("binary", "tf", "tfidf"),
              help="binary: 1 if present; tf: count in the text; tfidf: count times log inverse document frequency."),
        Param("min_document_frequency", ParamKind.INT, "Minimum n-gram document absolute frequency", default=1,
              min=1, help="An n-gram found in fewer documents than this is left out."),
        Param("max_document_frequency", ParamKind.FLOAT, "Maximum n-gram document ratio", default=1.0,
              min=0.0001, max=1.0, help="An n-gram found in a larger share of the documents is left out."),
        Param("max_vocabulary", ParamKind.INT, "Maximum vocabulary size", default=1000, min=1, max=MAX_VOCABULARY,
              help="The most frequent n-grams (over all documents) are kept; each is one output column."),
        Param("normalize", ParamKind.BOOL, "Normalize n-gram feature vectors", default=True,
              help="Divide each row's features by their Euclidean (L2) norm."),
        Param("keep_text", ParamKind.BOOL, "Keep the text column", default=False,
              help="Off: the text column is dropped, so the output can go straight to Train Model."),
    ],
    infer_schema=_ngram_schema,
)
def extract_ngram_features(ctx: Any, *, data: pd.DataFrame, text_column: str, ngram_size: int = 1,
                           weighting: str = "tfidf", min_document_frequency: int = 1,
                           max_document_frequency: float = 1.0, max_vocabulary: int = 1000, normalize: bool = True,
                           keep_text: bool = False) -> dict[str, Any]:
    """Build a vocabulary of the n-grams in a text column (scikit-learn's CountVectorizer: words of
    two or more letters or digits, lowercased) and replace the text by one weighted feature column
    per n-gram, named '<column>[<n-gram>]'."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    module_name = "Extract N-Gram Features from Text"
    if weighting not in ("binary", "tf", "tfidf"):
        raise ValueError(f"{module_name}: param 'weighting' must be binary, tf or tfidf; got {weighting!r}")
    _bounded(ngram_size, 1, 4, "ngram_size", module_name)
    _bounded(max_vocabulary, 1, MAX_VOCABULARY, "max_vocabulary", module_name)
    name, texts = texts_of(data, text_column, module_name)
    documents = _documents(texts)
    if not documents:
        raise ValueError(f"{module_name}: the input has no rows to build a vocabulary from")
    vectorizer = CountVectorizer(ngram_range=(1, int(ngram_size)), min_df=int(min_document_frequency),
                                 max_df=float(max_document_frequency), max_features=int(max_vocabulary),
                                 binary=weighting == "binary", dtype=np.float64)
    ctx.progress(0.1, f"counting n-grams in {len(documents)} texts")
    counts = _fit_vocabulary(vectorizer, documents, name, module_name)
    idf_fit = TfidfTransformer(norm="l2" if normalize else None, smooth_idf=True).fit(counts)
    transform = NGramTransform(name, vectorizer, idf_fit if weighting == "tfidf" else None, weighting,
                               normalize, keep_text)
    ctx.progress(0.6, f"weighting {len(transform.vocabulary)} n-grams")
    out = transform.apply(data)
    document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel().astype(np.int64)
    vocabulary = pd.DataFrame({"ngram": transform.vocabulary, "document_frequency": document_frequency,
                               "idf": idf_fit.idf_.astype(np.float64)})
    ctx.log(f"{len(transform.vocabulary)} n-grams (1 to {ngram_size} words, {weighting}) from {len(documents)} "
            f"texts of column {name!r}")
    ctx.metric("vocabulary_size", len(transform.vocabulary))
    ctx.progress(1.0, "done")
    return {"data": out, "vocabulary": vocabulary, "transform": transform}


def _bounded(value: Any, low: int, high: int, name: str, module_name: str) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{module_name}: param {name!r} must be a whole number from {low} to {high}; got {value!r}")


def _fit_vocabulary(vectorizer: Any, documents: list[str], column: str, module_name: str) -> Any:
    """The document-term counts, or an error that says why no vocabulary came out."""
    try:
        return vectorizer.fit_transform(documents)
    except ValueError as exc:
        text = str(exc)
        if "empty vocabulary" in text or "no terms remain" in text:
            raise ValueError(f"{module_name}: column {column!r} leaves no n-grams to count (its texts are empty, or "
                             "every n-gram was pruned by the document frequency limits); check the column and "
                             "lower the minimum document frequency or raise the maximum ratio") from None
        if "max_df corresponds to" in text:
            raise ValueError(f"{module_name}: the maximum document ratio keeps fewer documents than the minimum "
                             f"document frequency ({len(documents)} documents in column {column!r})") from None
        raise


# -- Feature Hashing --------------------------------------------------------------------------------
def _hash_name(column: str, i: int) -> str:
    return f"{column}_hash_{i}"


def _hash_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema, name = inputs.get("data"), single_column(params.get("text_column"))
    bits = params.get("bits", 10)
    if schema is None or name is None or not isinstance(bits, int) or 2 ** bits > MAX_INFERRED_HASH_COLUMNS:
        return {"data": None}
    return {"data": (*_drop_text_schema(schema, params), *(Column(_hash_name(name, i), "float")
                                                          for i in range(2 ** bits)))}


@module(
    "feature_hashing", "1", "Feature Hashing", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Transformed dataset")],
    params=[
        _text_param(),
        Param("bits", ParamKind.INT, "Hashing bitsize", default=10, min=1, max=20,
              help="The output has 2^bits feature columns; n-grams that hash alike share a column."),
        Param("ngram_size", ParamKind.INT, "N-grams", default=1, min=1, max=4,
              help="The longest sequence of words hashed."),
        Param("keep_text", ParamKind.BOOL, "Keep the text column", default=False),
    ],
    infer_schema=_hash_schema,
)
def feature_hashing(ctx: Any, *, data: pd.DataFrame, text_column: str, bits: int = 10, ngram_size: int = 1,
                    keep_text: bool = False) -> pd.DataFrame:
    """Count the n-grams of a text column into 2^bits columns by hashing them (scikit-learn's
    HashingVectorizer, signed 32-bit MurmurHash3): no vocabulary to fit, so the same settings
    give the same columns on any rows. Columns are named '<column>_hash_<i>'."""
    from sklearn.feature_extraction.text import HashingVectorizer

    module_name = "Feature Hashing"
    _bounded(bits, 1, 20, "bits", module_name)
    _bounded(ngram_size, 1, 4, "ngram_size", module_name)
    name, texts = texts_of(data, text_column, module_name)
    width = 2 ** int(bits)
    _check_cells(len(texts), width, module_name, "lower the hashing bitsize")
    hasher = HashingVectorizer(n_features=width, ngram_range=(1, int(ngram_size)), alternate_sign=False,
                               norm=None, dtype=np.float64)
    documents = _documents(texts)
    # no rows: no counts (scikit-learn's hasher cannot take an empty list)
    matrix = hasher.transform(documents) if documents else np.zeros((0, width))
    features = _features_frame(matrix, [_hash_name(name, i) for i in range(width)])
    ctx.log(f"hashed {len(texts)} texts of column {name!r} into {width} columns "
            f"({int((np.asarray(matrix.sum(axis=0)).ravel() > 0).sum())} in use)")
    return _with_features(data, name, keep_text, features, module_name)


# -- Latent Dirichlet Allocation --------------------------------------------------------------------
def _topic_name(k: int) -> str:
    return f"Topic {k}"


class LdaTransform(Transform):
    """A fitted vocabulary and topic model: `apply(df)` adds each row's topic distribution."""

    def __init__(self, column: str, vectorizer: Any, lda: Any, keep_text: bool) -> None:
        self.column = column
        self.columns = [column]
        self.vectorizer = vectorizer
        self.lda = lda
        self.keep_text = keep_text

    @property
    def topic_names(self) -> list[str]:
        return [_topic_name(k + 1) for k in range(self.lda.n_components)]

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        name, texts = texts_of(df, self.column, "Latent Dirichlet Allocation")
        counts = self.vectorizer.transform(_documents(texts))
        topics = self.lda.transform(counts) if texts else np.zeros((0, self.lda.n_components))
        return _with_features(df, name, self.keep_text, _features_frame(topics, self.topic_names),
                              "Latent Dirichlet Allocation")

    def __repr__(self) -> str:
        return f"LdaTransform(column={self.column!r}, topics={self.lda.n_components})"


def _lda_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    schema, topics = inputs.get("data"), params.get("topics", 5)
    if not isinstance(topics, int) or not 1 <= topics <= 100:
        return {"data": None, "topic_terms": None}
    topic_columns = tuple(Column(_topic_name(k + 1), "float") for k in range(topics))
    data = None if schema is None else (*_drop_text_schema(schema, params), *topic_columns)
    return {"data": data, "topic_terms": (Column("term", "string"), *topic_columns)}


@module(
    "latent_dirichlet_allocation", "1", "Latent Dirichlet Allocation", CATEGORY,
    inputs=[_data_port()],
    outputs=[Port("data", PortType.DATAFRAME, "Transformed dataset",
                  help="The input with each row's share of every topic ('Topic 1', ...; they sum to 1)."),
             Port("topic_terms", PortType.DATAFRAME, "Feature topic matrix",
                  help="One row per term: its weight in each topic (each topic's weights sum to 1)."),
             Port("transform", PortType.TRANSFORM, "LDA transformation")],
    params=[
        _text_param(),
        Param("topics", ParamKind.INT, "Number of topics to model", default=5, min=1, max=100),
        Param("ngram_size", ParamKind.INT, "N-grams", default=1, min=1, max=3),
        Param("max_vocabulary", ParamKind.INT, "Maximum vocabulary size", default=1000, min=1, max=MAX_VOCABULARY,
              help="The most frequent terms are modelled."),
        Param("min_document_frequency", ParamKind.INT, "Minimum term document frequency", default=1, min=1),
        Param("passes", ParamKind.INT, "Number of passes over the data", default=10, min=1, max=500),
        Param("batch_size", ParamKind.INT, "Size of the batch", default=128, min=1, max=100_000,
              help="Documents per online update."),
        Param("doc_topic_prior", ParamKind.FLOAT, "Alpha parameter", required=False, min=0.0001, max=100,
              help="Prior of a document's topic distribution; empty: 1 / number of topics."),
        Param("topic_word_prior", ParamKind.FLOAT, "Rho parameter", required=False, min=0.0001, max=100,
              help="Prior of a topic's word distribution; empty: 1 / number of topics."),
        Param("seed", ParamKind.INT, "Random seed", default=0, min=0, max=2**32 - 1),
        Param("keep_text", ParamKind.BOOL, "Keep the text column", default=False),
    ],
    infer_schema=_lda_schema,
)
def latent_dirichlet_allocation(ctx: Any, *, data: pd.DataFrame, text_column: str, topics: int = 5,
                                ngram_size: int = 1, max_vocabulary: int = 1000, min_document_frequency: int = 1,
                                passes: int = 10, batch_size: int = 128, doc_topic_prior: float | None = None,
                                topic_word_prior: float | None = None, seed: int = 0,
                                keep_text: bool = False) -> dict[str, Any]:
    """Find topics in a text column with scikit-learn's online variational Bayes LDA over term
    counts (CountVectorizer), one pass at a time: the same seed gives the same topics."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    module_name = "Latent Dirichlet Allocation"
    _bounded(topics, 1, 100, "topics", module_name)
    _bounded(passes, 1, 500, "passes", module_name)
    _bounded(max_vocabulary, 1, MAX_VOCABULARY, "max_vocabulary", module_name)
    name, texts = texts_of(data, text_column, module_name)
    documents = _documents(texts)
    if not documents:
        raise ValueError(f"{module_name}: the input has no rows to model")
    vectorizer = CountVectorizer(ngram_range=(1, int(ngram_size)), max_features=int(max_vocabulary),
                                 min_df=int(min_document_frequency))
    counts = _fit_vocabulary(vectorizer, documents, name, module_name)
    lda = LatentDirichletAllocation(n_components=int(topics), learning_method="online", max_iter=int(passes),
                                    batch_size=int(batch_size), total_samples=counts.shape[0],
                                    doc_topic_prior=doc_topic_prior, topic_word_prior=topic_word_prior,
                                    random_state=int(seed))
    for i in range(int(passes)):  # as lda.fit does, a pass at a time, so the bar moves
        lda.partial_fit(counts)
        ctx.progress(0.05 + 0.85 * (i + 1) / passes, f"pass {i + 1} of {passes}")
    lda.n_iter_ = int(passes)
    transform = LdaTransform(name, vectorizer, lda, keep_text)
    out = transform.apply(data)
    terms = [str(t) for t in vectorizer.get_feature_names_out()]
    weights = lda.components_ / lda.components_.sum(axis=1, keepdims=True)
    topic_terms = pd.DataFrame(weights.T, columns=transform.topic_names)
    topic_terms.insert(0, "term", terms)
    perplexity = float(lda.perplexity(counts))
    ctx.metric("perplexity", perplexity)
    for k in range(int(topics)):
        top = [terms[j] for j in np.argsort(-weights[k], kind="stable")[:8]]
        ctx.log(f"{_topic_name(k + 1)}: {', '.join(top)}")
    ctx.log(f"{topics} topics over {len(terms)} terms of {len(documents)} texts; perplexity {perplexity:.1f}")
    ctx.progress(1.0, "done")
    return {"data": out, "topic_terms": topic_terms, "transform": transform}
