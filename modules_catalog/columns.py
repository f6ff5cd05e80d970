"""Azure's column selector: a COLUMNS param value is a list of names, or a rule set applied in order
({"rules": [{"action": "include"|"exclude", "by": "all"|"names"|"types"|"roles", ...}]}). One
resolver serves parameter validation, the compiler (against a known schema) and the runner (against
the actual frame), so a module function only ever receives names."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .spec import DTYPES, ROLES, Column, ParamKind, Schema

MAX_RULES = 32
MAX_RULE_NAMES = 10_000  # names in one rule: a wide table's every column, not more
MAX_NAME_CHARS = 1_000
ACTIONS = ("include", "exclude")
BY = ("all", "names", "types", "roles")
# where a frame keeps its columns' roles (Edit Metadata): df.attrs[ROLES_ATTR] = {column: role};
# the datastore writes df.attrs into the Parquet schema metadata, so roles survive a round trip
ROLES_ATTR = "roles"
_SHOWN = 20


class ColumnSelectionError(ValueError):
    """A rule set that does not fit its input: a name it does not have, or nothing selected."""


def is_rule_set(value: Any) -> bool:
    return isinstance(value, Mapping) and "rules" in value


def frame_roles(df: Any) -> dict[str, str]:
    """The roles Edit Metadata gave `df`'s columns (only columns it still has, only known roles)."""
    roles = getattr(df, "attrs", {}).get(ROLES_ATTR)
    if not isinstance(roles, Mapping):
        return {}
    names = {str(c) for c in df.columns}
    return {str(k): str(v) for k, v in roles.items() if str(k) in names and v in ROLES and v}


def columns_of(source: Any) -> list[Column]:
    """The columns of a schema (a tuple of Column) or of a DataFrame, with their types and roles."""
    if source is None:
        return []
    if isinstance(source, (tuple, list)):
        return list(source)
    from .schema import dtype_kind

    roles = frame_roles(source)
    return [Column(str(name), dtype_kind(dtype), roles.get(str(name), "")) for name, dtype in source.dtypes.items()]


def _describe(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:_SHOWN])
    return (shown + (f", … ({len(names) - _SHOWN} more)" if len(names) > _SHOWN else "")) or "(no columns)"


def mentioned_names(value: Any) -> list[str]:
    """Every column name a selection mentions: the list itself, or the names of its name rules."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if is_rule_set(value):
        out: list[str] = []
        for rule in value["rules"]:
            if rule.get("by") == "names":
                out += [n for n in rule.get("names", []) if n not in out]
        return out
    return [str(v) for v in value]


def resolve_columns(value: Any, source: Any) -> list[str]:
    """The names `value` selects from `source` (a Schema or a DataFrame).

    A list (or one name) is returned as given, in its order; a rule set starts from no column and
    applies its rules in order, and its result keeps the input's column order. Raises
    ColumnSelectionError for a name the input does not have."""
    columns = columns_of(source)
    have = [c.name for c in columns]
    known = set(have)
    missing = [n for n in mentioned_names(value) if n not in known]
    if missing:
        raise ColumnSelectionError(f"column {missing[0]!r} is not in the input; it has: {_describe(have)}")
    if not is_rule_set(value):
        return mentioned_names(value)
    chosen: set[str] = set()
    for rule in value["rules"]:
        by = rule.get("by")
        if by == "all":
            hit = known
        elif by == "names":
            hit = set(rule.get("names", []))
        elif by == "types":
            types = set(rule.get("types", []))
            hit = {c.name for c in columns if c.dtype in types}
        else:
            roles = set(rule.get("roles", []))
            hit = {c.name for c in columns if c.role in roles}
        chosen = chosen | hit if rule.get("action") == "include" else chosen - hit
    return [n for n in have if n in chosen]


def describe_rules(value: Any) -> str:
    """A rule set in words, for messages: "all columns, except names a, b"."""
    parts = []
    for rule in value.get("rules", []):
        what = "all columns" if rule["by"] == "all" else f"{rule['by']} {', '.join(rule[rule['by']]) or '(none)'}"
        parts.append(("" if rule["action"] == "include" else "except ") + what)
    return "; ".join(parts)


def check_rule_set(value: Any) -> dict[str, Any]:
    """The rule set in canonical form, or a ValueError saying what is wrong with its shape."""
    if not isinstance(value, Mapping) or set(value) != {"rules"}:
        extra = sorted(set(value) - {"rules"}) if isinstance(value, Mapping) else []
        raise ValueError(f"a rule set has exactly one key, 'rules'" + (f"; unknown: {', '.join(map(str, extra[:5]))}"
                                                                         if extra else ""))
    rules = value["rules"]
    if not isinstance(rules, list) or not rules:
        raise ValueError("'rules' must be a non-empty list of rules")
    if len(rules) > MAX_RULES:
        raise ValueError(f"a rule set has at most {MAX_RULES} rules, got {len(rules)}")
    out = [_check_rule(i + 1, rule) for i, rule in enumerate(rules)]
    if not any(r["action"] == "include" for r in out):
        raise ValueError("the rules only exclude, so they select no column: begin with an include rule "
                         "(all columns, or some names, types or roles)")
    return {"rules": out}


def _check_rule(number: int, rule: Any) -> dict[str, Any]:
    where = f"rule {number}"
    if not isinstance(rule, Mapping):
        raise ValueError(f"{where} must be an object with 'action' and 'by'")
    action, by = rule.get("action"), rule.get("by")
    if action not in ACTIONS:
        raise ValueError(f"{where}: 'action' must be include or exclude, got {str(action)[:40]!r}")
    if by not in BY:
        raise ValueError(f"{where}: 'by' must be one of {', '.join(BY)}, got {str(by)[:40]!r}")
    allowed = {"action", "by"} | ({by} if by != "all" else set())
    unknown = sorted(map(str, set(rule) - allowed))
    if unknown:
        raise ValueError(f"{where} (by {by}) has unknown key(s): {', '.join(u[:40] for u in unknown[:5])}")
    out: dict[str, Any] = {"action": action, "by": by}
    if by == "all":
        return out
    items = rule.get(by)
    if not isinstance(items, list) or not items:
        raise ValueError(f"{where}: {by!r} must be a non-empty list")
    if len(items) > MAX_RULE_NAMES:
        raise ValueError(f"{where}: at most {MAX_RULE_NAMES} {by} in one rule, got {len(items)}")
    if len(set(map(repr, items))) != len(items):
        raise ValueError(f"{where}: {by!r} names something twice")
    if by == "names":
        for n in items:
            if not isinstance(n, str) or not n or len(n) > MAX_NAME_CHARS:
                raise ValueError(f"{where}: a column name is text of 1 to {MAX_NAME_CHARS} characters, "
                                 f"got {str(n)[:40]!r}")
    else:
        allowed_values = DTYPES if by == "types" else ROLES
        for v in items:
            if v not in allowed_values:
                shown = ", ".join(repr(a) for a in allowed_values)
                raise ValueError(f"{where}: {str(v)[:40]!r} is not a column {by[:-1]}; choose from {shown}")
    out[by] = list(items)
    return out


def resolve_params(spec: Any, params: Mapping[str, Any], frames: Mapping[str, Any]) -> dict[str, Any]:
    """`params` with each rule-set COLUMNS param replaced by the names it selects from its input
    (`frames`: port -> DataFrame or Schema). A required param whose rules select nothing raises
    ColumnSelectionError naming the module, the param and the input's columns."""
    out = dict(params)
    for p in spec.params:
        value = params.get(p.name)
        if p.kind is not ParamKind.COLUMNS or not is_rule_set(value):
            continue
        source = frames.get(p.port or "")
        label = f"{spec.label}: {p.label or p.name!r}"
        if source is None:
            raise ColumnSelectionError(f"{label} selects columns by rules, and its input {p.port!r} is not connected")
        try:
            names = resolve_columns(value, source)
        except ColumnSelectionError as exc:
            raise ColumnSelectionError(f"{label}: {exc}") from None
        if not names and p.required:
            have = [c.name for c in columns_of(source)]
            raise ColumnSelectionError(f"{label}: the rules ({describe_rules(value)}) select no column of input "
                                       f"{p.port!r}, which has: {_describe(have)}")
        out[p.name] = names if p.multiple else (names[0] if names else None)
    return out


def design_params(spec: Any, params: Mapping[str, Any], schemas: Mapping[str, Schema | None]) -> Mapping[str, Any]:
    """For schema inference and design-time checks: rule sets resolved against the known input
    schemas (left as they are where a schema is not known, or where they do not resolve)."""
    if not any(is_rule_set(params.get(p.name)) for p in spec.params if p.kind is ParamKind.COLUMNS):
        return params
    out = dict(params)
    for p in spec.params:
        value = params.get(p.name)
        if p.kind is ParamKind.COLUMNS and is_rule_set(value) and schemas.get(p.port or "") is not None:
            try:
                out[p.name] = resolve_columns(value, schemas[p.port or ""])
            except ColumnSelectionError:
                pass
    return out
