"""The `@module` declaration: ports, parameter kinds and the frozen ModuleSpec every layer reads."""
from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

# Azure ML designer's category names, in its palette order: every module declares one of these
CATEGORIES = (
    "Data Input and Output", "Data Transformation", "Feature Selection", "Statistical Functions",
    "Machine Learning Algorithms", "Model Training", "Model Scoring & Evaluation", "Python Language",
    "Text Analytics", "Recommendation", "Web Service",
    "Utility",  # not Azure's: Pass Through and Sleep, for tests and benchmarks
)
# what a learner (a module with an UntrainedModel output) is for; Train Model & co. check the label by it
TASKS = ("binary", "multiclass", "regression", "clustering", "anomaly", "recommendation")
# the column types of a schema (Column.dtype)
DTYPES = ("int", "float", "bool", "string", "datetime", "category")
NUMERIC_DTYPES = ("int", "float", "bool")
DISCRETE_DTYPES = ("int", "bool", "string", "category")
# the roles Edit Metadata can give a column (Column.role); "" is no role
ROLES = ("", "label", "feature", "score", "weight")


class PortType(str, enum.Enum):
    DATAFRAME = "DataFrame"
    UNTRAINED_MODEL = "UntrainedModel"
    MODEL = "Model"
    TRANSFORM = "Transform"
    METRICS = "Metrics"
    ANY_FILE = "AnyFile"


class ParamKind(str, enum.Enum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TEXT = "text"
    CHOICE = "choice"
    COLUMNS = "columns"  # a column selection bound to one DataFrame input port
    CODE = "code"
    DATASET = "dataset"  # a registered dataset of the workspace: {"name": ..., "version": ...}
    # Azure's "parameter range": the values a sweep may try, {"values": [...]} or, for numbers,
    # {"min": .., "max": .., "count": .., "scale": "linear" | "log"} (modules_catalog/sweep.py)
    RANGE = "range"


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType
    label: str = ""
    optional: bool = False
    help: str = ""
    # a DataFrame input the module may take over: in the engine it gets a frame nobody else holds
    # (`ctx.owns(df)` says so) and may empty it to free the memory once it has what it needs
    owned: bool = False


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    label: str = ""
    default: Any = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    port: str | None = None  # COLUMNS: the input port whose columns are selectable
    multiple: bool = True  # COLUMNS: a list of columns, or exactly one
    # COLUMNS: the column types this param accepts (DTYPES); the compiler refuses any other before
    # the run, naming the column, its type and the module, and adds `hint` (what the user can do)
    dtypes: tuple[str, ...] = ()
    hint: str = ""
    # RANGE: the kind of each value (INT, FLOAT, BOOL or CHOICE); min, max and choices bound each value
    item: ParamKind | None = None


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "int" | "float" | "bool" | "string" | "datetime" | "category"
    role: str = ""  # ROLES: set by Edit Metadata ("label", "feature", ...); "" is none


Schema = tuple[Column, ...]
SchemaFn = Callable[[Mapping[str, "Schema | None"], Mapping[str, Any]], Mapping[str, "Schema | None"]]


@dataclass(frozen=True)
class Violation:
    """One mistake a design-time check found: the compiler turns it into a structured error on
    the node (and the param or port named here), with `hint` telling the user what to do."""

    message: str
    hint: str = ""
    param: str | None = None
    port: str | None = None
    column: str | None = None
    code: str = "column_type"


@dataclass(frozen=True)
class Upstream:
    """The node feeding an input port, as a check sees it: its module, its resolved params, the
    output port wired in, and (recursively) what feeds that node."""

    spec: "ModuleSpec"
    params: Mapping[str, Any]
    port: str
    upstream: Mapping[str, "Upstream"] = field(default_factory=dict)


@dataclass(frozen=True)
class Design:
    """What a module's `check` gets at design time: input schemas (None where not known),
    resolved params, and the node wired to each input port."""

    inputs: Mapping[str, "Schema | None"]
    params: Mapping[str, Any]
    upstream: Mapping[str, Upstream] = field(default_factory=dict)


CheckFn = Callable[[Design], Iterable[Violation]]


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    version: str
    label: str
    category: str
    fn: Callable[..., Any] = field(compare=False, repr=False)
    description: str = ""
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()
    params: tuple[Param, ...] = ()
    infer_schema: SchemaFn | None = field(default=None, compare=False, repr=False)
    user_code: bool = False  # runs code the user typed: always a fresh child of its own
    disabled: bool = False
    source_hash: str = ""  # hash of the function's source, part of the cache key
    check: CheckFn | None = field(default=None, compare=False, repr=False)  # design-time checks
    task: str | None = None  # TASKS: what a learner is for (None for every other module)
    group: str = ""  # a sub-heading within the category ("Regression", "Classification", ...)
    # Python packages the module needs ("lightgbm>=4"): a custom module's step fails with a clear
    # message when one is missing (environments come with the compute targets)
    requires: tuple[str, ...] = ()

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def ref(self) -> str:
        return f"{self.key}@{self.version}"


def _source_hash(fn: Callable[..., Any]) -> str:
    """The hash of the whole file declaring `fn` (its helpers change its results too) and its name:
    part of every step's reuse key. A function whose source cannot be read is refused, never hashed
    by its name alone (that would reuse results of code that changed)."""
    import hashlib

    path = getattr(getattr(fn, "__code__", None), "co_filename", None)
    try:
        with open(path, "rb") as fh:  # type: ignore[arg-type]
            src = fh.read()
    except (OSError, TypeError, ValueError):
        try:
            src = inspect.getsource(fn).encode()
        except (OSError, TypeError):
            raise ValueError(f"{getattr(fn, '__qualname__', fn)!r}: its source cannot be read, so its results could "
                             "not be told apart from an older version's; declare modules in a file") from None
    return hashlib.sha256(src + b"\0" + fn.__qualname__.encode()).hexdigest()[:16]


# while a list (modules_catalog.custom.collect()), declarations go there instead of into the registry:
# a custom module read by the step that runs it is not a built-in of the process
_collecting: list["ModuleSpec"] | None = None


def module(
    key: str,
    version: str,
    label: str,
    category: str,
    *,
    inputs: Sequence[Port] = (),
    outputs: Sequence[Port] = (),
    params: Sequence[Param] = (),
    description: str = "",
    infer_schema: SchemaFn | None = None,
    user_code: bool = False,
    disabled: bool = False,
    check: CheckFn | None = None,
    task: str | None = None,
    group: str = "",
    requires: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare `fn(ctx, **inputs, **params)` as a module and register it.

    The function returns a mapping of output port name to value, or the bare value when the
    module has exactly one output port.
    """

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        from .registry import registry

        spec = ModuleSpec(
            key=key,
            version=str(version),
            label=label,
            category=category,
            fn=fn,
            description=description or (inspect.getdoc(fn) or ""),
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            params=tuple(params),
            infer_schema=infer_schema,
            user_code=user_code,
            disabled=disabled,
            source_hash=_source_hash(fn),
            check=check,
            task=task,
            group=group,
            requires=(requires,) if isinstance(requires, str) else tuple(str(r) for r in requires),
        )
        _check(spec)
        if _collecting is not None:
            _collecting.append(spec)
        else:
            registry.add(spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return wrap


def _check(spec: ModuleSpec) -> None:
    """Fail at import time, with a precise message, on a declaration that cannot work."""
    if not spec.category or not spec.category.strip():
        raise ValueError(f"{spec.ref}: a module needs a category (built-ins use one of CATEGORIES)")
    if spec.task is not None and spec.task not in TASKS:
        raise ValueError(f"{spec.ref}: task {spec.task!r} is not one of {', '.join(TASKS)}")
    names = [p.name for p in spec.inputs] + [p.name for p in spec.params]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"{spec.ref}: names used twice among inputs and params: {sorted(dupes)}")
    for p in spec.params:
        if p.kind is ParamKind.CHOICE and not p.choices:
            raise ValueError(f"{spec.ref}: choice param {p.name!r} declares no choices")
        if p.kind is ParamKind.RANGE and p.item not in (ParamKind.INT, ParamKind.FLOAT, ParamKind.BOOL, ParamKind.CHOICE):
            raise ValueError(f"{spec.ref}: range param {p.name!r} must declare item as int, float, bool or choice")
        if p.kind is ParamKind.COLUMNS:
            port = spec.input(p.port or "")
            if port is None or port.type is not PortType.DATAFRAME:
                raise ValueError(f"{spec.ref}: column param {p.name!r} must name a DataFrame input port")
        unknown = set(p.dtypes) - set(DTYPES)
        if unknown:
            raise ValueError(f"{spec.ref}: param {p.name!r} accepts unknown column types {sorted(unknown)}")
