"""The graph document: its shape check against the JSON Schema, canonical form and content hash."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from .document_schema import EDGE_ID_MAX, MAX_VALUE_DEPTH, NAME_RULE, PATTERN_RULES, is_finite_number, schema_violations

SCHEMA_VERSION = 1
MAX_ERRORS = 100  # schema violations reported for one document
_NODE_FIELDS_HASHED = ("id", "module", "version", "params", "target", "reuse", "timeout", "memory_mb", "cpu_seconds",
                       "retry", "environment")


def error(code: str, message: str, *, node: str | None = None, edge: str | None = None,
          port: str | None = None, param: str | None = None, column: str | None = None,
          hint: str | None = None) -> dict[str, Any]:
    """One structured error, pointing at the place in the graph it is about (`column`: the input
    column it names, if any), with `hint`, what the user can do about it (None when there is none)."""
    return {"code": code, "message": message, "node": node, "edge": edge, "port": port, "param": param,
            "column": column, "hint": hint or None}


def edge_id(edge: dict[str, Any]) -> str:
    return str(edge.get("id") or f"{edge.get('source')}.{edge.get('source_port')}->{edge.get('target')}.{edge.get('target_port')}")


def node(id: str, module: str, version: str = "1", **params: Any) -> dict[str, Any]:
    """A node of a graph document (builders for scripts, tests and benchmarks)."""
    return {"id": id, "module": module, "version": version, "params": params}


def edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, Any]:
    return {"id": f"{source}.{source_port}-{target}.{target_port}", "source": source,
            "source_port": source_port, "target": target, "target_port": target_port}


def document(nodes: list[dict], edges: list[dict], parameters: list[dict] | None = None, *,
             name: str = "pipeline") -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "name": name, "parameters": parameters or [], "nodes": nodes, "edges": edges}


def shape_errors(document: Any) -> list[dict[str, Any]]:
    """Errors that make `document` not a graph document at all (code `invalid_document`): every
    violation of the JSON Schema (engine/document_schema.py), then ids and names used twice."""
    if not isinstance(document, dict):
        return [error("invalid_document", "the pipeline document must be a JSON object")]
    errors: list[dict[str, Any]] = []
    for violation in schema_violations(document):
        found = _schema_error(violation, document)
        if found not in errors[-1:]:  # `required` reports each missing field with the same message
            errors.append(found)
        if len(errors) > MAX_ERRORS:
            break
    errors += _duplicates(document)
    if len(errors) > MAX_ERRORS:
        errors[MAX_ERRORS:] = [error("invalid_document", "more problems than these; fix them and validate again")]
    return errors


def _duplicates(document: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for key, what, pointer in (("nodes", "two nodes share the id", "node"),
                               ("parameters", "two pipeline parameters are named", "param")):
        items = document.get(key)
        seen: set[str] = set()
        for item in items if isinstance(items, list) else ():
            name = item.get("id" if key == "nodes" else "name") if isinstance(item, dict) else None
            if isinstance(name, str) and name in seen:
                errors.append(error("invalid_document", f"{what} {_show(name)}", **{pointer: name}))
            elif isinstance(name, str):
                seen.add(name)
    return errors


def canonical_document(document: dict[str, Any]) -> dict[str, Any]:
    """What a version is: nodes and edges sorted, positions, labels and comments dropped."""
    nodes = []
    # the pipeline's default target is written into each node that names none: the canonical
    # form says where every node runs (and a document without one hashes as before)
    default_target = document.get("default_target") or "local"
    for node in sorted(document.get("nodes", []), key=lambda n: n["id"]):
        # absent and null mean the same (the server's default), and hash the same
        clean = {k: node[k] for k in _NODE_FIELDS_HASHED if k in node and not (k == "retry" and node[k] is None)}
        clean["version"] = str(clean.get("version", ""))
        clean.setdefault("params", {})
        clean.setdefault("reuse", True)
        if clean.get("target") is None:
            clean["target"] = default_target
        if clean.get("environment") is None:  # none: hashes as documents made before environments
            clean.pop("environment", None)
        nodes.append(clean)
    edges = sorted(
        ({k: e[k] for k in ("source", "source_port", "target", "target_port")} for e in document.get("edges", [])),
        key=lambda e: (e["target"], e["target_port"], e["source"], e["source_port"]),
    )
    params = sorted(document.get("parameters", []), key=lambda p: p["name"])
    return {"schema_version": SCHEMA_VERSION, "nodes": nodes, "edges": edges, "parameters": params}


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def document_digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(canonical_document(document)).encode()).hexdigest()


# -- schema violations as structured errors --------------------------------------------------------

_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "a string", "number": "a finite number",
               "integer": "a whole number", "boolean": "true or false", "null": "null"}
_ITEMS = {"nodes": "node", "edges": "edge", "parameters": "pipeline parameter"}


def _show(value: Any, limit: int = 60) -> str:
    try:
        text = repr(value)
    except RecursionError:
        return "(a value nested too deeply to show)"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _pointer(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= EDGE_ID_MAX else None


def _subject(path: list, document: dict[str, Any]) -> tuple[str, dict[str, Any], list]:
    """Whom an error is about (for its message), its pointer fields, and the path inside it."""
    if len(path) < 2 or path[0] not in _ITEMS or not isinstance(path[1], int):
        return "", {}, path
    item, rest = document[path[0]][path[1]], path[2:]
    item = item if isinstance(item, dict) else {}
    if path[0] == "nodes":
        name, pointers = _pointer(item.get("id")), {"node": _pointer(item.get("id"))}
        if rest[:1] == ["params"] and len(rest) > 1:
            pointers["param"] = _pointer(rest[1])
    elif path[0] == "edges":
        ends = all(isinstance(item.get(k), str) for k in ("source", "source_port", "target", "target_port"))
        name = _pointer(item.get("id") or (edge_id(item) if ends else None))
        pointers = {"edge": name}
    else:
        name = _pointer(item.get("name"))
        pointers = {"param": name}
    return (f"{_ITEMS[path[0]]} {_show(name)}" if name else f"{_ITEMS[path[0]]} #{path[1] + 1}"), pointers, rest


def _field(rest: list) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
    return _show(text) if text else ""


def _schema_error(violation: Any, document: dict[str, Any]) -> dict[str, Any]:
    who, pointers, rest = _subject(list(violation.absolute_path), document)
    return error("invalid_document", _schema_message(violation, who, _field(rest), rest), **pointers)


def _schema_message(v: Any, who: str, field: str, rest: list) -> str:
    kind, expected, value = v.validator, v.validator_value, v.instance
    prefix = f"{who}: " if who else ""
    subject = f"{prefix}{field}" if field else (who or "the pipeline document")
    if rest[-1:] == ["$param"]:
        return f"{prefix}'$param' must name a pipeline parameter ({NAME_RULE}), not {_show(value)}"
    if kind == "type" and v.schema.get("title") == "value nested too deep":
        return f"{prefix}{field} nests lists or objects more than {MAX_VALUE_DEPTH} levels deep"
    if kind == "type" and isinstance(value, (int, float)) and not isinstance(value, bool) and not is_finite_number(value):
        return f"{subject} must be a finite number that fits a double (no NaN, no Infinity), not {_show(value)}"
    if kind == "type":
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in ([expected] if isinstance(expected, str) else expected))
        return f"{subject} must be {words}"
    if kind == "required":
        missing = [p for p in expected if isinstance(value, dict) and p not in value]
        return f"{who or 'the pipeline document'} needs {' and '.join(repr(p) for p in missing)}"
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(v.schema.get("properties", {}))
        extra = sorted(str(k) for k in value if k not in allowed)
        return (f"{subject} has unknown field{'s' if len(extra) > 1 else ''} "
                f"{', '.join(_show(k, 40) for k in extra[:5])} (allowed: {', '.join(allowed)})")
    if kind == "pattern":
        rule = PATTERN_RULES.get(expected, f"match {expected}")
        if "propertyNames" in v.relative_schema_path:
            return f"{subject}: the name {_show(value)} must be {rule}"
        return f"{subject} {_show(value)} must be {rule}"
    if kind == "const":
        return f"schema_version {_show(value)} is not supported; this server reads {SCHEMA_VERSION}"
    messages = {
        "maxLength": lambda: f"is longer than {expected} characters",
        "maxItems": lambda: f"has more than {expected} items",
        "maxProperties": lambda: f"has more than {expected} keys",
        "enum": lambda: f"must be one of {', '.join(str(e) for e in expected)}, not {_show(value)}",
        "exclusiveMinimum": lambda: f"must be greater than {expected}",
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
    }
    if kind in messages:
        return f"{subject} {messages[kind]()}"
    return f"{subject}: {v.message if len(v.message) <= 200 else v.message[:199] + '…'}"
