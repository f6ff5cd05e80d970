"""Python Language: Execute Python Script runs the user's `azureml_main` over up to two DataFrames
(with an optional bundle of Python files on its path, made by Import Script Bundle). A module that
runs user code is `user_code=True`: it runs in a fresh child of its own. Create Python Model is in
python_model.py."""
from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import keyword
import linecache
import os
import re
import stat
import sys
import tempfile
import zipfile
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from ..spec import Design, Param, ParamKind, Port, PortType, Violation, module

CATEGORY = "Python Language"
SCRIPT_FILENAME = "<script>"
ENTRY_POINT = "azureml_main"

# a script bundle: at most this many files, of at most this many bytes in all (as unpacked)
MAX_BUNDLE_FILES = 1000
MAX_BUNDLE_BYTES = 64 << 20
MAX_BUNDLE_PATH = 1024
_COPY_CHUNK = 1 << 16


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit} bytes"


DEFAULT_SCRIPT = '''\
import pandas as pd


# Called with the DataFrames connected to Dataset1 and Dataset2 (None when not connected).
# Return up to two DataFrames: they become Result Dataset 1 and 2. print() goes to the step's log.
# A script bundle connected to the third input is unpacked next to the script: import its modules.
def azureml_main(dataframe1=None, dataframe2=None):
    return dataframe1,
'''


# -- script bundles ---------------------------------------------------------------------------------
def bundle_path_problem(name: str) -> str | None:
    """Why a file name in a bundle is refused (absolute, climbing out with '..', ...), or None."""
    if not name or name in (".", "/"):
        return "is empty"
    if "\x00" in name:
        return "holds a NUL character"
    if "\\" in name:
        return "uses backslashes (zip names use '/')"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    if ".." in name.split("/"):
        return "climbs out of the bundle with '..'"
    if len(name) > MAX_BUNDLE_PATH:
        return f"is longer than {MAX_BUNDLE_PATH} characters"
    return None


def _open_zip(bundle: Any) -> zipfile.ZipFile:
    module_name = "Execute Python Script"
    if isinstance(bundle, (bytes, bytearray)):
        source: Any = io.BytesIO(bytes(bundle))
    elif isinstance(bundle, (str, os.PathLike)) and os.path.isfile(bundle):
        source = os.fspath(bundle)
        if os.path.getsize(source) > MAX_BUNDLE_BYTES:
            raise ValueError(f"{module_name}: the script bundle is larger than {_size(MAX_BUNDLE_BYTES)}")
    else:
        raise TypeError(f"{module_name}: the bundle input holds a {type(bundle).__name__}, not a zip file; connect "
                        "Import Script Bundle (or another output holding a zip of Python files)")
    if not zipfile.is_zipfile(source):
        raise ValueError(f"{module_name}: the script bundle is not a zip file; zip your Python files (or use Import "
                         "Script Bundle)")
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return zipfile.ZipFile(source)


def extract_bundle(bundle: Any, workdir: str) -> str:
    """Unpack a zip of Python files into a new folder under `workdir` and return the folder.

    Refused, before anything is written: absolute names, names climbing out with '..', symbolic
    links, names used twice, more than MAX_BUNDLE_FILES files or MAX_BUNDLE_BYTES bytes (counted
    as they are unpacked, not as the zip claims)."""
    module_name = "Execute Python Script"
    with _open_zip(bundle) as zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        if len(files) > MAX_BUNDLE_FILES:
            raise ValueError(f"{module_name}: the script bundle holds {len(files)} files, more than the limit of "
                             f"{MAX_BUNDLE_FILES}")
        if sum(i.file_size for i in files) > MAX_BUNDLE_BYTES:
            raise ValueError(f"{module_name}: the script bundle unpacks to more than {_size(MAX_BUNDLE_BYTES)}")
        seen: set[str] = set()
        for info in infos:
            problem = bundle_path_problem(info.filename)
            if problem is None and stat.S_ISLNK(info.external_attr >> 16):
                problem = "is a symbolic link"
            if problem is None and info.filename.rstrip("/") in seen:
                problem = "is in the zip twice"
            if problem is not None:
                raise ValueError(f"{module_name}: the script bundle's entry {info.filename[:200]!r} {problem}; "
                                 "nothing was unpacked")
            seen.add(info.filename.rstrip("/"))
        os.makedirs(workdir, exist_ok=True)
        folder = os.path.realpath(tempfile.mkdtemp(prefix="bundle-", dir=workdir))
        written = 0
        for info in infos:
            target = os.path.realpath(os.path.join(folder, info.filename))
            if target != folder and not target.startswith(folder + os.sep):  # defence in depth
                raise ValueError(f"{module_name}: the script bundle's entry {info.filename[:200]!r} leaves its folder")
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zf.open(info) as src, open(target, "xb") as dst:
                while chunk := src.read(_COPY_CHUNK):
                    written += len(chunk)
                    if written > MAX_BUNDLE_BYTES:
                        raise ValueError(f"{module_name}: the script bundle unpacks to more than "
                                         f"{_size(MAX_BUNDLE_BYTES)}")
                    dst.write(chunk)
    return folder


@contextlib.contextmanager
def on_sys_path(folder: str) -> Iterator[None]:
    """`folder` first on sys.path for the block; afterwards the modules imported from it are
    forgotten, so a later script in the same process cannot pick them up by accident."""
    before = set(sys.modules)
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        prefix = os.path.realpath(folder) + os.sep
        for name in set(sys.modules) - before:
            where = getattr(sys.modules.get(name), "__file__", None) or ""
            if where and os.path.realpath(where).startswith(prefix):
                del sys.modules[name]
        importlib.invalidate_caches()


# -- Execute Python Script --------------------------------------------------------------------------
@module(
    "execute_python_script", "1", "Execute Python Script", CATEGORY,
    inputs=[Port("dataset1", PortType.DATAFRAME, "Dataset1", optional=True),
            Port("dataset2", PortType.DATAFRAME, "Dataset2", optional=True),
            Port("bundle", PortType.ANY_FILE, "Script bundle", optional=True,
                 help="A zip of Python files (Import Script Bundle): unpacked into the step's folder and put "
                      "first on the module path, so the script can import them.")],
    outputs=[Port("result1", PortType.DATAFRAME, "Result Dataset 1"),
             Port("result2", PortType.DATAFRAME, "Result Dataset 2")],
    params=[Param("script", ParamKind.CODE, "Python script", default=DEFAULT_SCRIPT,
                  help=f"Must define {ENTRY_POINT}(dataframe1, dataframe2).")],
    user_code=True,
)
def execute_python_script(ctx: Any, *, dataset1: pd.DataFrame | None = None, dataset2: pd.DataFrame | None = None,
                          bundle: Any = None, script: str = DEFAULT_SCRIPT) -> dict[str, pd.DataFrame]:
    """Run the script, call its `azureml_main` with copies of the inputs, and return what it
    returns. Its output columns are known only once it has run: checks downstream use the schema
    of its last successful run."""
    if bundle is None:
        return _run_script(ctx, script, dataset1, dataset2)
    folder = extract_bundle(bundle, ctx.workdir)
    shown = sorted(os.listdir(folder))
    ctx.log(f"script bundle unpacked: {', '.join(shown[:20])}{' …' if len(shown) > 20 else ''}")
    with on_sys_path(folder):
        return _run_script(ctx, script, dataset1, dataset2)


def _run_script(ctx: Any, script: str, dataset1: pd.DataFrame | None,
                dataset2: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    main = load_entry_point(script)
    args = tuple(None if df is None else df.copy() for df in (dataset1, dataset2))
    try:
        inspect.signature(main).bind(*args)
    except TypeError:
        raise TypeError(f"{ENTRY_POINT} must accept two arguments (dataframe1, dataframe2)") from None
    except ValueError:  # a callable without a readable signature: let the call itself decide
        pass
    result1, result2 = script_results(main(*args))
    ctx.log(f"{ENTRY_POINT} returned {len(result1)} and {len(result2)} rows")
    return {"result1": result1, "result2": result2}


def load_entry_point(script: str) -> Any:
    """Execute the script in a fresh namespace and return its `azureml_main`.

    The source is registered with linecache under "<script>" so a traceback through the user's
    code shows their line numbers and lines. Errors in the script propagate unchanged.
    """
    if not script or not script.strip():
        raise ValueError("param 'script' is empty")
    linecache.cache[SCRIPT_FILENAME] = (len(script), None, script.splitlines(keepends=True), SCRIPT_FILENAME)
    code = compile(script, SCRIPT_FILENAME, "exec")
    namespace: dict[str, Any] = {"__name__": "__script__", "__file__": SCRIPT_FILENAME}
    exec(code, namespace)  # noqa: S102 - running the user's code is this module's purpose
    main = namespace.get(ENTRY_POINT)
    if not callable(main):
        raise ValueError(f"the script must define a function {ENTRY_POINT}(dataframe1, dataframe2)")
    return main


def script_results(value: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A DataFrame, a tuple/list of up to two, or None, as exactly two DataFrames (empty when absent)."""
    if value is None:
        items: list[Any] = []
    elif isinstance(value, pd.DataFrame):
        items = [value]
    elif isinstance(value, (tuple, list)):
        items = list(value)
        if len(items) > 2:
            raise TypeError(f"{ENTRY_POINT} returned {len(items)} values; it may return at most two DataFrames")
    else:
        raise TypeError(f"{ENTRY_POINT} must return a pandas DataFrame, a tuple of up to two DataFrames, "
                        f"or None; it returned a {type(value).__name__}")
    items += [None] * (2 - len(items))
    for i, item in enumerate(items, start=1):
        if item is not None and not isinstance(item, pd.DataFrame):
            raise TypeError(f"{ENTRY_POINT} returned a {type(item).__name__} as result {i}; "
                            "expected a pandas DataFrame")
    first, second = (pd.DataFrame() if item is None else item for item in items)
    return first, second


# -- Import Script Bundle ---------------------------------------------------------------------------
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no clock: the same files make the same bytes


def write_bundle(files: Mapping[str, str], path: str) -> None:
    """A zip of `files` (name -> text), entries in name order with fixed times and modes, so the
    same files always make the same bytes (and the same digest: a re-run is reused)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name].encode("utf-8"))


def _bundle_check(design: Design) -> list[Violation]:
    if not design.params.get("dataset") and not (design.params.get("code") or "").strip():
        return [Violation("Import Script Bundle needs a dataset of files or the code of a module",
                          param="code", code="required",
                          hint="type a module's code, or choose a dataset with columns 'path' and 'content'")]
    name = design.params.get("module_name") or "helpers"
    if (design.params.get("code") or "").strip() and not _is_module_name(name):
        return [Violation(f"{str(name)[:80]!r} is not a Python module name", param="module_name", code="bad_param",
                          hint="use letters, digits and underscores, not starting with a digit")]
    return []


def _is_module_name(name: Any) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


@module(
    "import_script_bundle", "1", "Import Script Bundle", CATEGORY,
    outputs=[Port("bundle", PortType.ANY_FILE, "Script bundle",
                  help="A zip of Python files, for Execute Python Script's bundle input.")],
    params=[
        Param("dataset", ParamKind.DATASET, "Dataset of files", required=False,
              help="A registered dataset with a text column 'path' (e.g. mylib/stats.py) and a text column "
                   "'content': one row per file of the bundle."),
        Param("module_name", ParamKind.TEXT, "Module name", default="helpers", required=False,
              help="The name the typed code is imported by (import helpers)."),
        Param("code", ParamKind.CODE, "Module code", default="", required=False,
              help="A Python module typed here, added to the bundle as <module name>.py."),
    ],
    check=_bundle_check,
)
def import_script_bundle(ctx: Any, *, dataset: dict[str, Any] | None = None, module_name: str = "helpers",
                         code: str = "") -> str:
    """Make a script bundle (a zip of Python files) for Execute Python Script: from a registered
    dataset of files (columns 'path' and 'content'), from a module typed here, or both."""
    name = "Import Script Bundle"
    files: dict[str, str] = {}
    if isinstance(dataset, Mapping) and dataset.get("name"):
        files.update(_dataset_files(ctx.dataset(dict(dataset)), str(dataset["name"]), name))
    if code and code.strip():
        module_name = module_name or "helpers"
        if not _is_module_name(module_name):
            raise ValueError(f"{name}: {module_name[:80]!r} is not a Python module name (letters, digits and "
                             "underscores, not starting with a digit)")
        path = f"{module_name}.py"
        if path in files:
            raise ValueError(f"{name}: the dataset already holds a file {path!r}; choose another module name")
        files[path] = code
    if not files:
        raise ValueError(f"{name}: no files: choose a dataset of files, or type the code of a module")
    if len(files) > MAX_BUNDLE_FILES:
        raise ValueError(f"{name}: {len(files)} files, more than the limit of {MAX_BUNDLE_FILES}")
    size = sum(len(text.encode("utf-8")) for text in files.values())
    if size > MAX_BUNDLE_BYTES:
        raise ValueError(f"{name}: the files hold {size} bytes, more than the limit of {_size(MAX_BUNDLE_BYTES)}")
    os.makedirs(ctx.workdir, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="script-bundle-", suffix=".zip", dir=ctx.workdir)
    os.close(fd)
    write_bundle(files, path)
    ctx.log(f"script bundle of {len(files)} files ({size} bytes): {', '.join(sorted(files)[:20])}")
    return path


def _dataset_files(df: Any, dataset_name: str, module_name: str) -> dict[str, str]:
    if not isinstance(df, pd.DataFrame) or not {"path", "content"} <= set(map(str, df.columns)):
        columns = ", ".join(map(str, getattr(df, "columns", [])))[:200]
        raise ValueError(f"{module_name}: dataset {dataset_name!r} must have columns 'path' and 'content' (one row "
                         f"per file); it has: {columns or 'no columns'}")
    files: dict[str, str] = {}
    for path, content in zip(df["path"].tolist(), df["content"].tolist()):
        if not isinstance(path, str):
            raise ValueError(f"{module_name}: dataset {dataset_name!r} has a row whose 'path' is not text ({path!r})")
        problem = bundle_path_problem(path) or ("is a folder, not a file" if path.endswith("/") else None)
        if problem is not None:
            raise ValueError(f"{module_name}: path {path[:200]!r} of dataset {dataset_name!r} {problem}")
        if path in files:
            raise ValueError(f"{module_name}: dataset {dataset_name!r} names the file {path!r} twice")
        files[path] = "" if content is None or (isinstance(content, float) and np.isnan(content)) else str(content)
    return files
