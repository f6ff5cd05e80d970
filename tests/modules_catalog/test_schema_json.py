"""What the palette and the properties form read of a declaration (module_json: task, group, a column
param's accepted types and hint, only when set) and column roles through schema_json."""
from __future__ import annotations

from modules_catalog.registry import load_builtins, registry
from modules_catalog.schema import module_json, param_json, schema_from_json, schema_json
from modules_catalog.spec import NUMERIC_DTYPES, Column, Param, ParamKind


def test_roles_survive_the_json_round_trip_and_a_column_without_one_has_no_role_key():
    schema = (Column("age", "int"), Column("survived", "bool", "label"), Column("fare", "float", "feature"))
    data = schema_json(schema)
    assert data == [{"name": "age", "dtype": "int"}, {"name": "survived", "dtype": "bool", "role": "label"},
                    {"name": "fare", "dtype": "float", "role": "feature"}]
    assert schema_from_json(data) == schema


def test_a_column_param_states_the_types_it_accepts_and_its_hint_only_when_declared():
    plain = param_json(Param("cols", ParamKind.COLUMNS, port="data"))
    assert "dtypes" not in plain and "hint" not in plain
    typed = param_json(Param("cols", ParamKind.COLUMNS, port="data", dtypes=NUMERIC_DTYPES, hint="encode it"))
    assert typed["dtypes"] == ["int", "float", "bool"] and typed["hint"] == "encode it"


def test_module_json_has_task_and_group():
    load_builtins()
    for spec in registry:
        data = module_json(spec)
        assert data["task"] == spec.task and data["group"] == spec.group, spec.ref
    assert module_json(registry.get("select_columns"))["task"] is None
