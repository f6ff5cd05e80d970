"""The reference of the built-in modules, docs/modules.md, written from their declarations: by
category (in Azure's order, CATEGORIES), then group; each module's label, key@version, description,
typed inputs and outputs, and parameters with kind, default, range or choices, accepted column types
and help. `manage.py export_modules_doc` (or `make docs-modules`) writes it; a test fails when the
file differs from what the declarations give."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from .spec import CATEGORIES, NUMERIC_DTYPES, ModuleSpec, Param, ParamKind, Port

DOC_PATH = "docs/modules.md"
COMMAND = ".venv/bin/python manage.py export_modules_doc"
BUILTINS = "modules_catalog.builtins."
_DEFAULT_MAX = 60  # characters of a default shown in a table cell


def builtin_specs(specs: Iterable[ModuleSpec]) -> list[ModuleSpec]:
    """The built-ins among `specs` (not the modules tests or custom uploads register)."""
    return [s for s in specs if getattr(s.fn, "__module__", "").startswith(BUILTINS)]


def _cell(text: Any) -> str:
    """Text fit for one Markdown table cell: one line, pipes escaped."""
    value = re.sub(r"\s+", " ", str(text)).strip()
    return value.replace("\\", "\\\\").replace("|", "\\|") or " "


def _anchor(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _default(p: Param) -> str:
    if p.default is None or p.default == "" or p.default == []:
        return "—"
    if p.kind is ParamKind.CODE:
        return "a template (see the designer)"
    text = json.dumps(p.default, default=str, ensure_ascii=False)
    shown = text if len(text) <= _DEFAULT_MAX else text[:_DEFAULT_MAX - 1] + "…"
    return f"`{shown.replace('`', chr(39))}`"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _range(p: Param) -> str:
    if p.choices:
        return ", ".join(f"`{c}`" for c in p.choices)
    if p.min is not None and p.max is not None:
        return f"{_number(p.min)} to {_number(p.max)}"
    if p.min is not None:
        return f"at least {_number(p.min)}"
    if p.max is not None:
        return f"at most {_number(p.max)}"
    return ""


def _kind(p: Param) -> str:
    if p.kind is ParamKind.COLUMNS:
        many = "columns" if p.multiple else "one column"
        return f"{many} of `{p.port}`"
    return p.kind.value


def _types(p: Param) -> str:
    if p.kind is not ParamKind.COLUMNS:
        return ""
    if not p.dtypes:
        return "any"
    if set(p.dtypes) == set(NUMERIC_DTYPES):
        return "numeric (int, float, bool)"
    return ", ".join(p.dtypes)


def _ports(title: str, ports: tuple[Port, ...]) -> list[str]:
    if not ports:
        return []
    lines = [f"**{title}**", "", "| Port | Type | Help |", "| --- | --- | --- |"]
    for port in ports:
        name = f"`{port.name}`" + (f" ({_cell(port.label)})" if port.label and port.label != port.name else "")
        optional = ", optional" if port.optional else ""
        lines.append(f"| {name} | {port.type.value}{optional} | {_cell(port.help)} |")
    return lines + [""]


def _params(params: tuple[Param, ...]) -> list[str]:
    if not params:
        return ["*No parameters.*", ""]
    lines = ["**Parameters**", "", "| Parameter | Kind | Default | Range or choices | Column types | Help |",
             "| --- | --- | --- | --- | --- | --- |"]
    for p in params:
        name = f"`{p.name}`" + (f" ({_cell(p.label)})" if p.label and p.label != p.name else "")
        if not p.required:
            name += ", optional"
        help_text = p.help + (f" Another type: {p.hint}" if p.hint else "")
        lines.append(f"| {name} | {_cell(_kind(p))} | {_cell(_default(p))} | {_cell(_range(p))} | "
                     f"{_cell(_types(p))} | {_cell(help_text)} |")
    return lines + [""]


def _module(spec: ModuleSpec) -> list[str]:
    facts = [f"`{spec.ref}`"]
    if spec.task:
        facts.append(f"task: {spec.task}")
    if spec.user_code:
        facts.append("runs user code (in an isolated process of its own)")
    if spec.disabled:
        facts.append("disabled")
    if spec.infer_schema is not None:
        facts.append("infers its output columns")
    elif any(p.type.value == "DataFrame" for p in spec.outputs):
        facts.append("its output columns are known once it has run")
    if spec.check is not None:
        facts.append("checked at design time")
    lines = [f"#### {spec.label}", "", " · ".join(facts), ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    return lines + _ports("Inputs", spec.inputs) + _ports("Outputs", spec.outputs) + _params(spec.params)


def _grouped(specs: list[ModuleSpec]) -> list[tuple[str, str, list[ModuleSpec]]]:
    """(category, group, modules) in CATEGORIES order, groups by name (ungrouped first), modules by
    label then version; a category outside CATEGORIES comes last."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    out: dict[tuple[str, str], list[ModuleSpec]] = {}
    for spec in specs:
        out.setdefault((spec.category, spec.group), []).append(spec)
    keys = sorted(out, key=lambda k: (order.get(k[0], len(order)), k[0], k[1] != "", k[1]))
    return [(c, g, sorted(out[(c, g)], key=lambda s: (s.label, s.key, s.version))) for c, g in keys]


def modules_markdown(specs: Iterable[ModuleSpec]) -> str:
    """The whole of docs/modules.md for `specs` (the built-ins)."""
    specs = list(specs)
    groups = _grouped(specs)
    lines = ["# Module reference", "",
             f"<!-- Generated from the modules' declarations by `{COMMAND}` (or `make docs-modules`); "
             "do not edit by hand: a test fails when this file and the declarations differ. -->", "",
             f"{len(specs)} built-in modules, by category as Azure ML designer names them. Column types: int, float, "
             "bool, string (text), datetime, category; a parameter that accepts only some refuses any other column "
             "before the pipeline runs, saying what to do instead.", ""]
    categories: dict[str, list[tuple[str, list[ModuleSpec]]]] = {}
    for category, group, mods in groups:
        categories.setdefault(category, []).append((group, mods))
    for category, parts in categories.items():
        labels = ", ".join(f"[{s.label}](#{_anchor(s.label)})" for _, mods in parts for s in mods)
        lines.append(f"- **[{category}](#{_anchor(category)})**: {labels}")
    lines.append("")
    for category, parts in categories.items():
        lines += [f"## {category}", ""]
        for group, mods in parts:
            if group:
                lines += [f"### {group}", ""]
            for spec in mods:
                lines += _module(spec)
    return "\n".join(lines).rstrip("\n") + "\n"


def builtins_markdown() -> str:
    """docs/modules.md's text for the built-ins registered now."""
    from .registry import load_builtins

    return modules_markdown(builtin_specs(load_builtins()))
