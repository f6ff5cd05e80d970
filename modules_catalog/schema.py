"""JSON for the palette and the properties form, and DataFrame schemas as the catalogue sees them."""
from __future__ import annotations

from typing import Any

from .spec import Column, ModuleSpec, Param, Port, Schema


def port_json(port: Port) -> dict[str, Any]:
    return {"name": port.name, "type": port.type.value, "label": port.label or port.name,
            "optional": port.optional, "help": port.help}


def param_json(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": param.name, "kind": param.kind.value, "label": param.label or param.name,
        "default": param.default, "required": param.required, "help": param.help,
    }
    if param.min is not None:
        out["min"] = param.min
    if param.max is not None:
        out["max"] = param.max
    if param.choices:
        out["choices"] = list(param.choices)
    if param.item is not None:
        out["item"] = param.item.value  # RANGE: the kind of each value
    if param.port is not None:
        out["port"] = param.port
        out["multiple"] = param.multiple
    if param.dtypes:
        out["dtypes"] = list(param.dtypes)
    if param.hint:
        out["hint"] = param.hint
    return out


def module_json(spec: ModuleSpec) -> dict[str, Any]:
    return {
        "key": spec.key, "version": spec.version, "label": spec.label, "category": spec.category,
        "description": spec.description,
        "inputs": [port_json(p) for p in spec.inputs],
        "outputs": [port_json(p) for p in spec.outputs],
        "params": [param_json(p) for p in spec.params],
        "user_code": spec.user_code, "disabled": spec.disabled,
        "infers_schema": spec.infer_schema is not None,
        "task": spec.task, "group": spec.group,
    }


def dtype_kind(dtype: Any) -> str:
    """Map a pandas/numpy dtype onto the catalogue's small set of column types."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    return "string"


def schema_of(df: Any) -> Schema:
    from .columns import frame_roles  # the roles Edit Metadata keeps in df.attrs

    roles = frame_roles(df)
    return tuple(Column(str(name), dtype_kind(dtype), roles.get(str(name), "")) for name, dtype in df.dtypes.items())


def schema_json(schema: Schema | None) -> list[dict[str, str]] | None:
    if schema is None:
        return None
    return [{"name": c.name, "dtype": c.dtype, **({"role": c.role} if c.role else {})} for c in schema]


def schema_from_json(data: list[dict[str, str]] | None) -> Schema | None:
    if data is None:
        return None
    return tuple(Column(c["name"], c["dtype"], c.get("role") or "") for c in data)


def is_numeric(column: Column) -> bool:
    return column.dtype in ("int", "float", "bool")
