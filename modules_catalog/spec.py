"""The `@module` declaration: ports, parameter kinds and the frozen ModuleSpec every layer reads."""
from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence


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


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "int" | "float" | "bool" | "string" | "datetime" | "category"


Schema = tuple[Column, ...]
SchemaFn = Callable[[Mapping[str, "Schema | None"], Mapping[str, Any]], Mapping[str, "Schema | None"]]


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
    import hashlib

    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        src = fn.__qualname__
    return hashlib.sha256(src.encode()).hexdigest()[:16]


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
        )
        _check(spec)
        registry.add(spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return wrap


def _check(spec: ModuleSpec) -> None:
    """Fail at import time, with a precise message, on a declaration that cannot work."""
    names = [p.name for p in spec.inputs] + [p.name for p in spec.params]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"{spec.ref}: names used twice among inputs and params: {sorted(dupes)}")
    for p in spec.params:
        if p.kind is ParamKind.CHOICE and not p.choices:
            raise ValueError(f"{spec.ref}: choice param {p.name!r} declares no choices")
        if p.kind is ParamKind.COLUMNS:
            port = spec.input(p.port or "")
            if port is None or port.type is not PortType.DATAFRAME:
                raise ValueError(f"{spec.ref}: column param {p.name!r} must name a DataFrame input port")
