"""The @module declaration's import-time checks, registry lookups, and the catalogue's JSON."""
from __future__ import annotations

import json

import pytest

from modules_catalog.registry import Registry, UnknownModule
from modules_catalog.schema import module_json
from modules_catalog.spec import ModuleSpec, Param, ParamKind, Port, PortType, module


def _noop(ctx):
    return None


def test_a_name_used_by_an_input_and_a_param_is_refused():
    with pytest.raises(ValueError, match=r"names used twice among inputs and params: \['data'\]"):
        module("bad_dupe", "1", "Bad", "Test", inputs=[Port("data", PortType.DATAFRAME)],
               params=[Param("data", ParamKind.INT)])(_noop)


def test_a_choice_param_without_choices_is_refused():
    with pytest.raises(ValueError, match="choice param 'mode' declares no choices"):
        module("bad_choice", "1", "Bad", "Test", params=[Param("mode", ParamKind.CHOICE)])(_noop)


@pytest.mark.parametrize("port", [None, "missing", "learner"])
def test_a_columns_param_must_name_a_dataframe_input(port):
    with pytest.raises(ValueError, match="column param 'cols' must name a DataFrame input port"):
        module("bad_columns", "1", "Bad", "Test", inputs=[Port("learner", PortType.UNTRAINED_MODEL)],
               params=[Param("cols", ParamKind.COLUMNS, port=port)])(_noop)


def _spec(key, version):
    return ModuleSpec(key=key, version=version, label=key, category="Test", fn=_noop, source_hash=version)


def test_get_without_a_version_returns_the_newest():
    reg = Registry()
    for version in ("2", "10", "1"):
        reg.add(_spec("thing", version))
    assert reg.get("thing").version == "10"
    assert reg.get("thing", "2").version == "2"
    assert [s.version for s in reg.versions("thing")] == ["1", "2", "10"]


def test_an_unknown_module_or_version_raises_unknown_module():
    reg = Registry()
    reg.add(_spec("thing", "1"))
    with pytest.raises(UnknownModule, match="unknown module 'other'"):
        reg.get("other")
    with pytest.raises(UnknownModule, match="version '9'"):
        reg.get("thing", "9")


def test_the_builtins_are_registered_under_their_contract_keys(catalog):
    keys = {(s.key, s.version) for s in catalog}
    assert keys >= {(k, "1") for k in (
        "sample_dataset", "import_data", "select_columns", "clean_missing_data", "normalize_data", "split_data",
        "logistic_regression", "linear_regression", "train_model", "score_model", "evaluate_model",
        "execute_python_script", "passthrough", "sleep")}


def test_every_builtin_serialises_to_json_with_its_ports_and_params(builtins):
    for spec in builtins:
        data = json.loads(json.dumps(module_json(spec)))
        assert data["key"] == spec.key and data["version"] == spec.version
        assert [p["name"] for p in data["inputs"]] == [p.name for p in spec.inputs]
        assert [p["name"] for p in data["outputs"]] == [p.name for p in spec.outputs]
        assert [p["name"] for p in data["params"]] == [p.name for p in spec.params]
        assert data["description"], f"{spec.ref} has no description"


def test_every_builtin_column_param_default_and_choice_default_is_valid(builtins):
    for spec in builtins:
        for param in spec.params:
            if param.kind is ParamKind.CHOICE:
                assert param.default in param.choices, f"{spec.ref}.{param.name}"


def test_every_builtin_uses_one_of_azures_categories_and_a_known_task():
    from modules_catalog.registry import load_builtins
    from modules_catalog.spec import CATEGORIES, TASKS

    builtins = [s for s in load_builtins() if s.fn.__module__.startswith("modules_catalog.builtins.")]
    assert len(builtins) > 50
    for spec in builtins:  # (test fixtures and custom modules may register their own categories)
        assert spec.category in CATEGORIES, spec.ref
        assert spec.task is None or spec.task in TASKS, spec.ref
