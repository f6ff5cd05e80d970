"""Data Input and Output: scikit-learn's sample datasets, the workspace's registered datasets and files
already in the datastore, data typed by hand, Export Data (registers a dataset version) and Convert to CSV."""
from __future__ import annotations

import functools
import io
import json
import os
import re
import tempfile
import warnings
from typing import Any, Iterable, Mapping

import pandas as pd

from ..schema import schema_from_json, schema_of
from ..spec import Design, Param, ParamKind, Port, PortType, Schema, Violation, module

CATEGORY = "Data Input and Output"
SAMPLE_DATASETS = ("iris", "wine", "breast_cancer", "diabetes", "digits", "penguins", "sklearn_docs")
# text classification: sentences of these scikit-learn packages' estimator documentation, labelled by package
DOC_FAMILIES = ("linear_model", "ensemble", "cluster", "decomposition", "preprocessing", "neighbors", "svm", "tree")
MANUAL = "Enter Data Manually"
MAX_MANUAL_BYTES = 1 << 20  # what a person types or pastes, not a data file: upload those
MANUAL_FORMATS = ("csv", "tsv", "jsonl")
FILE_FORMATS = ("auto", "csv", "tsv", "parquet", "jsonl")
PARQUET_MAGIC = b"PAR1"
# a registered dataset's name, as the designer accepts it for an upload (designer/services.py)
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
MAX_DESCRIPTION_CHARS = 10_000


@functools.lru_cache(maxsize=None)
def _sample_frame(name: str) -> pd.DataFrame:
    """The dataset as one frame (features as scikit-learn names them, then `target`); loaded once."""
    from sklearn import datasets

    if name not in SAMPLE_DATASETS:
        raise ValueError(f"unknown sample dataset {name!r}; choose one of: {', '.join(SAMPLE_DATASETS)}")
    if name == "penguins":
        from palmerpenguins import load_penguins

        return load_penguins().reset_index(drop=True)
    if name == "sklearn_docs":
        return _docs_frame()
    frame = getattr(datasets, f"load_{name}")(as_frame=True).frame
    return frame.reset_index(drop=True)


def _docs_frame() -> pd.DataFrame:
    """One row per sentence of the installed scikit-learn's estimator docstrings (their prose, before
    Examples and See Also): `text`, and `target`, the package the estimator belongs to. Real text,
    on every machine without a download; each sentence once (the first package that has it)."""
    import importlib
    import inspect

    seen: set[str] = set()
    rows: list[tuple[str, str]] = []
    for family in DOC_FAMILIES:
        package = importlib.import_module(f"sklearn.{family}")
        for name in sorted(getattr(package, "__all__", [])):
            obj = getattr(package, name, None)
            if not inspect.isclass(obj):
                continue
            doc = (inspect.getdoc(obj) or "").split("\nExamples\n")[0].split("\nSee Also\n")[0]
            for part in re.split(r"(?<=[.!?])\s+|\n\s*\n", doc):
                sentence = re.sub(r"\s+", " ", part).strip()
                if 6 <= len(sentence.split()) <= 60 and not re.search(r"https?://|>>>|\.\. ", sentence) \
                        and sentence not in seen:
                    seen.add(sentence)
                    rows.append((sentence, family))
    return pd.DataFrame(rows, columns=["text", "target"])


def _sample_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    name = params.get("name") or "iris"
    if name not in SAMPLE_DATASETS:
        return {"data": None}
    return {"data": schema_of(_sample_frame(name))}


@module(
    "sample_dataset", "1", "Sample Dataset", CATEGORY,
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[Param("name", ParamKind.CHOICE, "Dataset", default="iris", choices=SAMPLE_DATASETS,
                  help="A dataset bundled with scikit-learn (label column `target`); `penguins`: Palmer "
                       "penguins (344 birds: species, island, sex as text, some values missing); "
                       "`sklearn_docs`: sentences of scikit-learn's estimator documentation (`text`), "
                       "labelled by package (`target`), for text classification.")],
    infer_schema=_sample_schema,
)
def sample_dataset(ctx: Any, *, name: str = "iris") -> pd.DataFrame:
    """One of scikit-learn's bundled datasets, with its label in a column named `target`."""
    df = _sample_frame(name).copy()
    ctx.log(f"sample dataset {name}: {len(df)} rows, {len(df.columns)} columns")
    return df


# -- Import Data ------------------------------------------------------------------------------------
def _import_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    if "file" in inputs:  # a table wired into the file port keeps its columns; a file's are known once read
        return {"data": inputs.get("file")}
    ref = params.get("dataset")
    if isinstance(ref, Mapping) and ref.get("schema") is not None:
        return {"data": schema_from_json(ref["schema"])}
    return {"data": None}


def _import_check(design: Design) -> list[Violation]:
    wired = "file" in design.inputs or "file" in design.upstream
    if wired and design.params.get("dataset"):
        return [Violation("Import Data reads either a registered dataset or the file on its input, not both",
                          param="dataset", code="bad_param",
                          hint="clear the dataset, or disconnect the file input")]
    if not wired and not design.params.get("dataset"):
        return [Violation("Import Data needs a registered dataset, or a file from the datastore on its input",
                          param="dataset", code="missing_param",
                          hint="choose a dataset of this workspace, or connect an output holding a file")]
    return []


def sniff_format(path: str) -> str:
    """parquet (magic bytes), jsonl (the first character is "{"), tsv (a tab but no comma in the first
    line) or csv."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first and b"," not in first else "csv"


def read_table_file(path: str, file_format: str, *, module: str = "Import Data") -> pd.DataFrame:
    """A CSV, TSV, Parquet or JSON-lines file as a frame, read from disk as it streams (never held as
    one string); a clear error naming the format and the problem."""
    fmt = sniff_format(path) if file_format == "auto" else file_format
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise ValueError(f"{module}: the file is not readable Parquet ({type(exc).__name__}: {exc})") from None
    try:
        if fmt == "jsonl":
            with open(path, encoding="utf-8-sig") as fh:
                return _parse_jsonl(fh, module)
        return _read_delimited(path, fmt, has_header=True, module=module, what="file")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{module}: the file is not UTF-8 text (byte {exc.start}); save it as UTF-8, or upload it as "
                         "a dataset, which detects the encoding") from None


def parse_text(text: str, fmt: str, *, has_header: bool, module: str = MANUAL) -> pd.DataFrame:
    """CSV, TSV or JSON-lines text as a frame (types inferred); columns without a header are Col1, Col2, …"""
    if fmt == "jsonl":
        return _parse_jsonl(text.splitlines(), module)
    if not text.strip():
        raise ValueError(f"{module}: there is no data: the text is empty")
    return _read_delimited(io.StringIO(text), fmt, has_header=has_header, module=module, what="text")


def _read_delimited(source: Any, fmt: str, *, has_header: bool, module: str, what: str) -> pd.DataFrame:
    if fmt not in ("csv", "tsv"):
        raise ValueError(f"{module}: unknown format {fmt!r}; choose one of {', '.join(FILE_FORMATS[1:])}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header: not data to drop
            df = pd.read_csv(source, sep="," if fmt == "csv" else "\t", header=0 if has_header else None,
                             skip_blank_lines=True, index_col=False, encoding="utf-8-sig")
    except pd.errors.ParserWarning:
        raise ValueError(f"{module}: the {fmt.upper()} {what} does not parse: the first row has more values than the "
                         "header names columns") from None
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ValueError(f"{module}: the {fmt.upper()} {what} does not parse: {str(exc).strip()[:300]}") from None
    if not has_header:
        df.columns = [f"Col{i + 1}" for i in range(len(df.columns))]
    unnamed = [str(c) for c in df.columns if str(c).startswith("Unnamed: ")]
    if has_header and unnamed:
        raise ValueError(f"{module}: column {int(unnamed[0].split(': ')[1]) + 1} of the header has no name; "
                         "name every column, or turn 'has header' off")
    return df


def _parse_jsonl(lines: Iterable[str], module: str) -> pd.DataFrame:
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{module}: line {number} is not JSON: {exc}") from None
        if not isinstance(record, dict):
            raise ValueError(f"{module}: line {number} is not a JSON object ({{\"column\": value, …}})")
        for key, value in record.items():
            if isinstance(value, (dict, list)):
                raise ValueError(f"{module}: line {number}, column {key!r}: a value is a number, text, true/false "
                                 "or null, not a nested object or list")
        records.append(record)
    if not records:
        raise ValueError(f"{module}: there is no data: no line holds a JSON object")
    return pd.DataFrame.from_records(records)


@module(
    "import_data", "1", "Import Data", CATEGORY,
    inputs=[Port("file", PortType.ANY_FILE, "File in the datastore", optional=True,
                 help="Instead of a dataset: a file another step stored (CSV, TSV, Parquet or JSON lines), "
                      "e.g. the output of Convert to CSV or of a script.")],
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[Param("dataset", ParamKind.DATASET, "Dataset", required=False,
                  help="A registered dataset of this workspace (leave empty to read the file input)."),
            Param("file_format", ParamKind.CHOICE, "File format", default="auto", choices=FILE_FORMATS,
                  help="How to read the file input; auto: Parquet by its magic bytes, JSON lines when it "
                       "starts with '{', else CSV (TSV when the first line has tabs and no commas).")],
    infer_schema=_import_schema,
    check=_import_check,
)
def import_data(ctx: Any, *, dataset: dict[str, Any] | None = None, file: Any = None,
                file_format: str = "auto") -> pd.DataFrame:
    """A registered dataset of the workspace at the version the pipeline names, or a file already in the
    datastore, wired in from the step that stored it."""
    if file is not None:
        if dataset:
            raise ValueError("Import Data reads either param 'dataset' or its file input, not both")
        return _import_file(ctx, file, file_format)
    if not isinstance(dataset, Mapping) or not dataset.get("name"):
        raise ValueError("param 'dataset' must name a registered dataset (or connect a file to the file input)")
    version = dataset.get("version")
    title = f"dataset {dataset['name']}" + (f" v{version}" if version is not None else "")
    ctx.progress(0.0, f"reading {title}")
    df = ctx.dataset(dict(dataset))
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"dataset {dataset['name']!r} did not load as a DataFrame (got {type(df).__name__})")
    ctx.log(f"{title}: {len(df)} rows, {len(df.columns)} columns")
    ctx.progress(1.0, f"read {len(df)} rows")
    return df


def _import_file(ctx: Any, file: Any, file_format: str) -> pd.DataFrame:
    if isinstance(file, pd.DataFrame):  # a table wired into the file port is a table already
        ctx.log(f"a table on the file input: {len(file)} rows, {len(file.columns)} columns")
        return file
    if not isinstance(file, (str, os.PathLike)) or not os.path.isfile(file):
        raise ValueError(f"Import Data: its file input holds a {type(file).__name__}, not a file; connect an output "
                         "of type AnyFile or DataFrame")
    if file_format not in FILE_FORMATS:
        raise ValueError(f"param 'file_format' must be one of {', '.join(FILE_FORMATS)}; got {file_format!r}")
    ctx.progress(0.0, "reading the file")
    df = read_table_file(os.fspath(file), file_format)
    ctx.log(f"file ({file_format if file_format != 'auto' else sniff_format(os.fspath(file))}): "
            f"{len(df)} rows, {len(df.columns)} columns")
    ctx.progress(1.0, f"read {len(df)} rows")
    return df


# -- Enter Data Manually ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _manual_frame(text: str, data_format: str, has_header: bool) -> pd.DataFrame:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_MANUAL_BYTES:
        raise ValueError(f"{MANUAL}: the text is larger than {MAX_MANUAL_BYTES // 1024} KB; upload a file as a "
                         "dataset and use Import Data instead")
    return parse_text(text, data_format, has_header=has_header)


def _manual_args(params: Mapping[str, Any]) -> tuple[str, str, bool]:
    return (params.get("data") or "", params.get("data_format") or "csv",
            bool(params.get("has_header", True)))


def _manual_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    try:
        return {"data": schema_of(_manual_frame(*_manual_args(params)))}
    except ValueError:
        return {"data": None}


def _manual_check(design: Design) -> list[Violation]:
    if not design.params.get("data"):
        return []  # the compiler reports the missing param
    try:
        _manual_frame(*_manual_args(design.params))
    except ValueError as exc:
        return [Violation(str(exc), param="data", code="bad_param",
                          hint="fix the text at the place the message names")]
    return []


@module(
    "enter_data_manually", "1", MANUAL, CATEGORY,
    outputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    params=[
        Param("data_format", ParamKind.CHOICE, "Data format", default="csv", choices=MANUAL_FORMATS,
              help="csv: comma-separated; tsv: tab-separated; jsonl: one JSON object per line."),
        Param("has_header", ParamKind.BOOL, "Has header", default=True,
              help="CSV/TSV: the first line names the columns (otherwise they are Col1, Col2, …)."),
        Param("data", ParamKind.TEXT, "Data",
              help="The rows, typed or pasted (at most 1 MB); column types are inferred from the values."),
    ],
    infer_schema=_manual_schema,
    check=_manual_check,
)
def enter_data_manually(ctx: Any, *, data: str, data_format: str = "csv", has_header: bool = True) -> pd.DataFrame:
    """A small table typed into the pipeline: CSV, TSV or JSON lines, with its column types inferred."""
    if not isinstance(data, str):
        raise ValueError(f"{MANUAL}: param 'data' must be text")
    df = _manual_frame(data, data_format, bool(has_header)).copy()
    ctx.log(f"{MANUAL}: {len(df)} rows, {len(df.columns)} columns")
    return df


# -- Export Data ------------------------------------------------------------------------------------
def _same_schema(inputs: Mapping[str, Schema | None], params: Mapping[str, Any]) -> Mapping[str, Schema | None]:
    return {"data": inputs.get("data")}


def name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not DATASET_NAME.fullmatch(name):
        return ("a dataset name is 1-100 letters, digits, '_', '-' or '.', starting with a letter or digit; "
                f"got {str(name)[:40]!r}")
    return None


def _export_check(design: Design) -> list[Violation]:
    found = []
    problem = name_problem(design.params.get("name")) if design.params.get("name") else None
    if problem:
        found.append(Violation(f"Export Data: {problem}", param="name", code="bad_param"))
    if len(design.params.get("description") or "") > MAX_DESCRIPTION_CHARS:
        found.append(Violation(f"Export Data: a description has at most {MAX_DESCRIPTION_CHARS} characters",
                               param="description", code="bad_param"))
    return found


@module(
    "export_data", "1", "Export Data", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("data", PortType.DATAFRAME, "Exported dataset")],
    params=[
        Param("name", ParamKind.TEXT, "Dataset name",
              help="The workspace dataset to register the input as; a new version of it when it exists."),
        Param("description", ParamKind.TEXT, "Description", required=False,
              help="Kept with the new dataset version."),
    ],
    infer_schema=_same_schema,
    check=_export_check,
)
def export_data(ctx: Any, *, data: pd.DataFrame, name: str, description: str | None = None) -> pd.DataFrame:
    """Register the input as the next version of a dataset of the workspace, once the step has
    succeeded (the engine does it as the run ends; a re-run with the same data adds no version)."""
    problem = name_problem(name)
    if problem:
        raise ValueError(f"Export Data: {problem}")
    if len(description or "") > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"Export Data: a description has at most {MAX_DESCRIPTION_CHARS} characters")
    ctx.log(f"{len(data)} rows, {len(data.columns)} columns to register as dataset {name!r}")
    return data


# -- Convert to CSV ---------------------------------------------------------------------------------
@module(
    "convert_to_csv", "1", "Convert to CSV", CATEGORY,
    inputs=[Port("data", PortType.DATAFRAME, "Dataset")],
    outputs=[Port("file", PortType.ANY_FILE, "CSV file",
                  help="UTF-8, comma-separated, a header line, no index column.")],
)
def convert_to_csv(ctx: Any, *, data: pd.DataFrame) -> str:
    """The dataset as a CSV file in the datastore, to download or to hand to a step that reads files."""
    ctx.progress(0.0, f"writing {len(data)} rows as CSV")
    fd, path = tempfile.mkstemp(dir=ctx.workdir, prefix="data-", suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        data.to_csv(fh, index=False)
    ctx.progress(1.0, f"wrote {len(data)} rows")
    ctx.log(f"{len(data)} rows, {len(data.columns)} columns as CSV ({os.path.getsize(path)} bytes)")
    return path
