"""No module modifies the DataFrames it is given.

Pool workers hand one frame object to several steps (engine/framecache.py), and a module that
returns an input unchanged has it recorded under the input's digest without rewriting it: both
rest on this. The one exception is an `owned` port when the engine says the frame is the step's
own (`ctx.owns`), which SimpleContext never does.

Cases come from every `tests/modules_catalog/cases_*.py` file. Each exports

    UNTOUCHED: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]]

one tuple per case: (module key, a factory returning ALL the module's inputs by port name —
DataFrames, models, transforms, learners —, the params). The test calls the factory, then
`spec.fn(SimpleContext(seed=1, workdir=<a temporary folder>), **inputs, **params)` (a column rule
set in params resolved to names first, as the runner does), and checks every DataFrame input is
exactly as it was: values (the very arrays, NaN where NaN was), dtypes, index, columns and attrs.
Every module with a DataFrame input needs at least one case (test_every_module_with_a_dataframe_input_has_a_case).
"""
from __future__ import annotations

import copy
import importlib
import pkgutil
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

import tests.modules_catalog as package
from modules_catalog.context import SimpleContext
from modules_catalog.registry import load_builtins, registry

Case = tuple[str, Callable[[], dict[str, Any]], dict[str, Any]]


def _collect() -> tuple[list[tuple[str, Case]], list[tuple[str, str]]]:
    """(file, case) for every case of every cases_*.py file, and (file, error) for a file that does
    not import or does not export UNTOUCHED: its problem fails a test of its own, the others still run."""
    cases, broken = [], []
    for info in sorted(pkgutil.iter_modules([str(Path(package.__file__).parent)]), key=lambda i: i.name):
        if not info.name.startswith("cases_"):
            continue
        try:
            found = importlib.import_module(f"{package.__name__}.{info.name}").UNTOUCHED
            cases += [(info.name, tuple(case)) for case in found]
        except Exception as exc:  # noqa: BLE001 - reported by test_every_cases_file_imports
            broken.append((info.name, f"{type(exc).__name__}: {exc}"))
    return cases, broken


CASES, BROKEN = _collect()


def _frames(inputs: dict[str, Any]) -> dict[str, pd.DataFrame]:
    return {port: value for port, value in inputs.items() if isinstance(value, pd.DataFrame)}


def _snapshot(df: pd.DataFrame) -> dict[str, Any]:
    return {"frame": df.copy(deep=True), "attrs": copy.deepcopy(df.attrs),
            "arrays": [df.iloc[:, i].to_numpy(copy=True) for i in range(df.shape[1])]}


def _assert_same(port: str, df: pd.DataFrame, before: dict[str, Any]) -> None:
    pd.testing.assert_frame_equal(df, before["frame"], check_exact=True, obj=f"input {port!r}")
    assert df.attrs == before["attrs"], f"input {port!r}: attrs changed"
    for i, values in enumerate(before["arrays"]):  # the very arrays, not only equal-looking frames
        np.testing.assert_array_equal(df.iloc[:, i].to_numpy(), values, err_msg=f"input {port!r} column {i}")


def _resolved(spec: Any, params: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    try:
        from modules_catalog.columns import resolve_params
    except ImportError:
        return params
    return resolve_params(spec, params, _frames(inputs))


@pytest.mark.parametrize("source,case", CASES, ids=[f"{case[0]}-{source}-{i}" for i, (source, case) in enumerate(CASES)])
def test_a_module_leaves_its_dataframe_inputs_exactly_as_they_were(source, case, tmp_path):
    key, make, params = case
    load_builtins()
    spec = registry.get(key)
    inputs = make()
    assert _frames(inputs), f"{source}: the case of {key} gives no DataFrame input (ports: {sorted(inputs)})"
    unknown = set(inputs) - {p.name for p in spec.inputs}
    assert not unknown, f"{source}: {key} has no input port {sorted(unknown)}"
    before = {port: _snapshot(df) for port, df in _frames(inputs).items()}
    spec.fn(SimpleContext(seed=1, workdir=str(tmp_path)), **inputs, **_resolved(spec, params, inputs))
    for port, df in _frames(inputs).items():
        _assert_same(port, df, before[port])


@pytest.mark.parametrize("source,error", BROKEN or [("", "")], ids=[s for s, _ in BROKEN] or ["none"])
def test_every_cases_file_imports_and_exports_untouched(source, error):
    assert not error, f"tests/modules_catalog/{source}.py: {error}"


def _takes_frames(spec: Any) -> bool:
    return spec.fn.__module__.startswith("modules_catalog.builtins.") \
        and any(p.type.value == "DataFrame" for p in spec.inputs)


def test_every_module_with_a_dataframe_input_has_a_case():
    load_builtins()
    covered = {case[0] for _, case in CASES}
    missing = sorted({spec.key for spec in registry if _takes_frames(spec)} - covered)
    assert not missing, (f"{len(missing)} modules with a DataFrame input have no case in any "
                         f"tests/modules_catalog/cases_*.py UNTOUCHED list: {', '.join(missing)}")


def test_the_check_itself_notices_a_changed_input():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["x", "y", None]})
    df.attrs["roles"] = {"a": "label"}
    for change in (lambda d: d.loc.__setitem__((0, "a"), 9.0), lambda d: d.attrs["roles"].update(a="feature"),
                   lambda d: d.rename(columns={"b": "c"}, inplace=True), lambda d: d.set_index("b", inplace=True),
                   lambda d: d.__setitem__("b", d["b"].astype("category"))):
        frame = df.copy(deep=True)
        frame.attrs = copy.deepcopy(df.attrs)
        before = _snapshot(frame)
        change(frame)
        with pytest.raises(AssertionError):
            _assert_same("data", frame, before)
