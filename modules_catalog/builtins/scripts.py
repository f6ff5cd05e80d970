"""Python Language: the user's own code. Execute Python Script runs `azureml_main` over up to two
DataFrames (with an optional bundle of Python files on its path); Import Script Bundle makes that
bundle; Create Python Model turns a class the user writes into a learner for Train Model.

Every module here that runs user code is `user_code=True`: it runs in a fresh child of its own,
and so does any step that consumes a model built from user code (the compiler's rule)."""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import io
import keyword
import linecache
import os
import pickle
import re
import stat
import sys
import tempfile
import types
import zipfile
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if

from ..learner import Learner
from ..spec import Design, Param, ParamKind, Port, PortType, Violation, module

CATEGORY = "Python Language"
SCRIPT_FILENAME = "<script>"
MODEL_FILENAME = "<python model>"
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


# -- Create Python Model ----------------------------------------------------------------------------
DEFAULT_MODEL_SCRIPT = '''\
from sklearn.linear_model import LogisticRegression


# Train Model calls fit(X, y): X is a pandas DataFrame of the feature columns, y the label Series.
# Score Model calls predict(X), and predict_proba(X) for a classifier that defines it (one column
# per class, classes in sorted order unless the model sets classes_).
# __init__ may take random_state: Train Model passes the run's seed.
class Model:
    def __init__(self, random_state=None):
        self.model = LogisticRegression(max_iter=1000, random_state=random_state)

    def fit(self, X, y):
        self.model.fit(X, y)
        return self

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        return self.model.predict_proba(X)
'''


def script_module(script: str) -> types.ModuleType:
    """The user's model script as a module named after its content hash, executed once per process.

    Registered in sys.modules, so instances of its classes pickle by reference to that name, and a
    process that unpickles them re-creates the module from the source the model carries first."""
    if not isinstance(script, str) or not script.strip():
        raise ValueError("Create Python Model: param 'script' is empty")
    name = "graphwright_script_" + hashlib.sha256(script.encode("utf-8")).hexdigest()[:24]
    linecache.cache[MODEL_FILENAME] = (len(script), None, script.splitlines(keepends=True), MODEL_FILENAME)
    found = sys.modules.get(name)
    if found is not None:
        return found
    code = compile(script, MODEL_FILENAME, "exec")
    mod = types.ModuleType(name)
    mod.__file__ = MODEL_FILENAME
    sys.modules[name] = mod
    try:
        exec(code, mod.__dict__)  # noqa: S102 - running the user's code is this module's purpose
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def script_class(script: str, class_name: str = "") -> type:
    """The model class of the script: the one named, or the only class it defines with fit and predict."""
    mod = script_module(script)
    if class_name:
        found = getattr(mod, class_name, None)
        if not isinstance(found, type):
            raise ValueError(f"Create Python Model: the script defines no class named {class_name!r}")
    else:
        candidates = [v for v in vars(mod).values() if isinstance(v, type) and v.__module__ == mod.__name__
                      and callable(getattr(v, "fit", None)) and callable(getattr(v, "predict", None))]
        if not candidates:
            raise ValueError("Create Python Model: the script defines no class with methods fit(X, y) and "
                             "predict(X)")
        if len(candidates) > 1:
            names = ", ".join(c.__name__ for c in candidates)
            raise ValueError(f"Create Python Model: the script defines several model classes ({names}); name the "
                             "one to use in param 'class_name'")
        found = candidates[0]
    for method in ("fit", "predict"):
        if not callable(getattr(found, method, None)):
            raise ValueError(f"Create Python Model: class {found.__name__!r} has no method {method}()")
    return found


def _rebuild_estimator(cls: type, state: dict[str, Any], fitted: bytes | None) -> Any:
    """Unpickling a ScriptEstimator: the script's module first (from the source it carries), then
    the fitted user object, whose class is looked up in that module."""
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    if fitted is not None:
        script_module(state["script"])
        obj.model_ = pickle.loads(fitted)  # noqa: S301 - the model's own bytes, written by __reduce__
    return obj


def _defines_predict_proba(estimator: "ScriptEstimator") -> bool:
    return callable(getattr(script_class(estimator.script, estimator.class_name), "predict_proba", None))


class ScriptEstimator(BaseEstimator):
    """A scikit-learn estimator around the class a Create Python Model script defines. It carries
    the script's source, so it pickles into any process: the fitted user object is stored as its
    own pickle, loaded after the script has been executed again (`__reduce__`)."""

    def __init__(self, script: str = "", class_name: str = "", random_state: int | None = None) -> None:
        self.script = script
        self.class_name = class_name
        self.random_state = random_state

    def _new_model(self) -> Any:
        cls = script_class(self.script, self.class_name)
        try:
            takes_seed = "random_state" in inspect.signature(cls).parameters
        except (TypeError, ValueError):
            takes_seed = False
        try:
            return cls(random_state=self.random_state) if takes_seed else cls()
        except TypeError as exc:
            raise TypeError(f"Create Python Model: class {cls.__name__!r} must be created without arguments "
                            f"(or with random_state only): {exc}") from exc

    def _fit_model(self, X: Any, y: Any) -> Any:
        model = self._new_model()
        model.fit(X, y)
        self.model_ = model
        self.n_features_in_ = int(np.shape(X)[1]) if np.ndim(X) == 2 else 1
        return model

    def _predicted(self, X: Any) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise ValueError("Create Python Model: the model is not trained; connect it to Train Model first")
        values = np.asarray(self.model_.predict(X))
        if values.ndim == 2 and values.shape[1] == 1:
            values = values.ravel()
        if values.ndim != 1 or len(values) != len(X):
            raise ValueError(f"Create Python Model: predict(X) returned {values.shape} values for {len(X)} rows; "
                             "it must return one prediction per row")
        return values

    def __reduce__(self) -> tuple[Any, ...]:
        state = dict(self.__dict__)
        fitted = state.pop("model_", None)
        payload = None if fitted is None else pickle.dumps(fitted, protocol=5)
        return _rebuild_estimator, (type(self), state, payload)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        lines = len(self.script.splitlines())
        return f"{type(self).__name__}(class_name={self.class_name!r}, script=<{lines} lines>)"


class ScriptClassifier(ClassifierMixin, ScriptEstimator):
    """A user's classifier: `classes_` is the model's own when it sets one, else the sorted labels."""

    def fit(self, X: Any, y: Any) -> "ScriptClassifier":
        model = self._fit_model(X, y)
        classes = getattr(model, "classes_", None)
        self.classes_ = np.asarray(classes) if classes is not None else np.unique(np.asarray(y))
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._predicted(X)

    @available_if(_defines_predict_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        proba = np.asarray(self.model_.predict_proba(X), dtype=np.float64)
        if proba.shape != (len(X), len(self.classes_)):
            raise ValueError(f"Create Python Model: predict_proba(X) returned shape {proba.shape}; expected "
                             f"({len(X)}, {len(self.classes_)}): a row per input row, a column per class "
                             f"({', '.join(map(str, self.classes_[:10]))})")
        return proba


class ScriptRegressor(RegressorMixin, ScriptEstimator):
    """A user's regressor: predictions must be numbers."""

    def fit(self, X: Any, y: Any) -> "ScriptRegressor":
        self._fit_model(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        values = self._predicted(X)
        try:
            return values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("Create Python Model: predict(X) of a regression model must return numbers; it "
                             f"returned {values.dtype} values") from None


MODEL_TASKS = ("binary", "multiclass", "regression")


@module(
    "create_python_model", "1", "Create Python Model", CATEGORY,
    outputs=[Port("learner", PortType.UNTRAINED_MODEL, "Untrained model")],
    params=[
        Param("script", ParamKind.CODE, "Python script", default=DEFAULT_MODEL_SCRIPT,
              help="Defines a class with fit(X, y) and predict(X), and optionally predict_proba(X)."),
        Param("task", ParamKind.CHOICE, "Task", default="binary", choices=MODEL_TASKS,
              help="What the model predicts: two classes, several classes, or a number."),
        Param("class_name", ParamKind.TEXT, "Class name", default="", required=False,
              help="Empty: the only class of the script with fit and predict."),
    ],
    user_code=True,
)
def create_python_model(ctx: Any, *, script: str = DEFAULT_MODEL_SCRIPT, task: str = "binary",
                        class_name: str = "") -> Learner:
    """An untrained model from your own Python class, for Train Model, Score Model and the other
    trainers: the script travels with the model, and every step that runs it runs isolated."""
    if task not in MODEL_TASKS:
        raise ValueError(f"Create Python Model: param 'task' must be one of {', '.join(MODEL_TASKS)}; got {task!r}")
    cls = script_class(script, class_name or "")
    kind = ScriptRegressor if task == "regression" else ScriptClassifier
    estimator = kind(script=script, class_name=cls.__name__)
    estimator._new_model()  # its constructor runs once here, so a mistake in it shows on this step
    has_proba = callable(getattr(cls, "predict_proba", None))
    ctx.log(f"class {cls.__name__} ({task}){'' if task == 'regression' else ', with' if has_proba else ', without'}"
            f"{'' if task == 'regression' else ' predict_proba'}")
    return Learner(estimator, task, name="Create Python Model")
