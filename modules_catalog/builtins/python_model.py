"""Create Python Model: a class the user writes (fit, predict, optionally predict_proba) as an
untrained learner for Train Model and Score Model. The script's source travels with the model: a
step in another process executes it again before it loads the fitted object (`__reduce__`)."""
from __future__ import annotations

import hashlib
import inspect
import linecache
import pickle
import sys
import types
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if

from ..learner import Learner
from ..spec import Param, ParamKind, Port, PortType, module

CATEGORY = "Python Language"
MODEL_FILENAME = "<python model>"

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
        raise ValueError(f"Create Python Model: param 'task' must be one of {', '.join(MODEL_TASKS)}; "
                         f"got {task!r}")
    cls = script_class(script, class_name or "")
    kind = ScriptRegressor if task == "regression" else ScriptClassifier
    estimator = kind(script=script, class_name=cls.__name__)
    estimator._new_model()  # its constructor runs once here, so a mistake in it shows on this step
    has_proba = callable(getattr(cls, "predict_proba", None))
    ctx.log(f"class {cls.__name__} ({task}){'' if task == 'regression' else ', with' if has_proba else ', without'}"
            f"{'' if task == 'regression' else ' predict_proba'}")
    return Learner(estimator, task, name="Create Python Model")
