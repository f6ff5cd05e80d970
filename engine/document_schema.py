"""The JSON Schema (Draft 2020-12) of a graph document, the validator that checks it, and the
translation of each violation into the structured `invalid_document` error of the compiler."""
from __future__ import annotations

import copy
import json
import math
import re
from functools import lru_cache
from typing import Any, Iterator

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators

from .environments import REF_PATTERN as ENVIRONMENT_REF_PATTERN
from .failures import RETRY_SCHEMA

SCHEMA_ID = "urn:graphwright:pipeline-document:1"  # the served copy carries its URL instead

# One pattern for every name a document gives: node ids, port names, node parameter names,
# pipeline parameter names, target names and module keys. 1-64 ASCII letters, digits, '_', '.'
# or '-', starting with a letter or '_': never a path separator, never '.' or '..', never a
# leading '-', no whitespace or control character, and shorter than any database column that
# holds one (Step.node_id is 100).
NAME_MAX = 64
NAME_PATTERN = rf"^[A-Za-z_][A-Za-z0-9_.-]{{0,{NAME_MAX - 1}}}$"
NAME_RULE = f"1-{NAME_MAX} letters, digits, '_', '.' or '-', starting with a letter or '_'"
# Edge ids: the same characters, long enough for "<node>.<port>-<node>.<port>" (the builders' form),
# and may start with a digit ("1", "e1").
EDGE_ID_MAX = 4 * NAME_MAX + 3
EDGE_ID_PATTERN = rf"^[A-Za-z0-9_][A-Za-z0-9_.-]{{0,{EDGE_ID_MAX - 1}}}$"
EDGE_ID_RULE = f"1-{EDGE_ID_MAX} letters, digits, '_', '.' or '-', starting with a letter, digit or '_'"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,19}$"  # Step.version holds 20 characters
VERSION_RULE = "1-20 letters, digits, '_', '.', '+' or '-', starting with a letter or digit"
PATTERN_RULES = {NAME_PATTERN: NAME_RULE, EDGE_ID_PATTERN: EDGE_ID_RULE, VERSION_PATTERN: VERSION_RULE}

MAX_NODES = 20_000
MAX_EDGES = 60_000
MAX_PARAMETERS = 200  # pipeline parameters, and parameters of one node
MAX_VALUE_DEPTH = 8  # arrays and objects nested inside one parameter value
MAX_VALUE_ITEMS = 10_000  # items of one array inside a parameter value
MAX_VALUE_KEYS = 200  # keys of one object inside a parameter value
MAX_TEXT = 1_000_000  # characters of one string inside a parameter value (a script)
MAX_LABEL = 200
MAX_COMMENT = 10_000
MAX_CHOICES = 1_000
MAX_NUMBER = 1.7976931348623157e308  # the largest finite double: every number must fit one
PARAM_KINDS = ("int", "float", "bool", "text", "choice", "columns", "code", "dataset")  # ParamKind values


def _value(depth: int) -> dict[str, Any]:
    """A parameter value with at most `depth` more levels of arrays and objects below it: one
    definition per level, since JSON Schema has no depth keyword."""
    if depth == 0:
        return {"title": "value nested too deep", "type": ["string", "number", "boolean", "null"],
                "maxLength": MAX_TEXT}
    below = {"$ref": f"#/$defs/value{depth - 1}"}
    return {
        "type": ["string", "number", "boolean", "null", "array", "object"],
        "maxLength": MAX_TEXT,
        "maxItems": MAX_VALUE_ITEMS, "items": below,
        "maxProperties": MAX_VALUE_KEYS, "propertyNames": {"maxLength": NAME_MAX},
        # a binding to a pipeline parameter names it: {"$param": "<name>"}
        "properties": {"$param": {"$ref": "#/$defs/name"}},
        "additionalProperties": below,
    }


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


def _limit(kind: str, help: str) -> dict[str, Any]:
    return {"type": [kind, "null"], "exclusiveMinimum": 0, "description": help}


NODE = {
    "type": "object",
    "required": ["id", "module"],
    "additionalProperties": False,
    "properties": {
        "id": {"$ref": "#/$defs/name"},
        "module": {"$ref": "#/$defs/name", "description": "module key"},
        "version": {"description": "module version; absent or null: the newest",
                    "type": ["string", "integer", "null"], "pattern": VERSION_PATTERN,
                    "minimum": 0, "maximum": 2**31 - 1},
        "params": {"type": "object", "maxProperties": MAX_PARAMETERS, "propertyNames": {"$ref": "#/$defs/name"},
                   "additionalProperties": {"$ref": f"#/$defs/value{MAX_VALUE_DEPTH}"}},
        "position": {"type": "object", "additionalProperties": False,
                     "properties": {"x": {"type": "number"}, "y": {"type": "number"}}},
        "target": {"description": "a compute target configured on the server; absent or null: the default",
                   "type": ["string", "null"], "pattern": NAME_PATTERN},
        "environment": {"description": "an environment of the workspace, `name` (its newest version) or "
                                       "`name@version`; absent or null: the server's own packages",
                        "type": ["string", "null"], "pattern": ENVIRONMENT_REF_PATTERN},
        "reuse": {"type": "boolean", "description": "false: always run, never reuse a cached result"},
        "timeout": _limit("number", "wall-clock seconds; at most the server's STEP_TIMEOUT"),
        "memory_mb": _limit("integer", "memory limit in MB; at most the server's STEP_MEMORY_MB"),
        "cpu_seconds": _limit("integer", "CPU seconds; at most the server's cap"),
        "retry": RETRY_SCHEMA,
        "label": _text(MAX_LABEL),
        "comment": _text(MAX_COMMENT),
    },
}

EDGE = {
    "type": "object",
    "required": ["source", "source_port", "target", "target_port"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": EDGE_ID_PATTERN},
        "source": {"$ref": "#/$defs/name"},
        "source_port": {"$ref": "#/$defs/name"},
        "target": {"$ref": "#/$defs/name"},
        "target_port": {"$ref": "#/$defs/name"},
    },
}

PARAMETER = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"$ref": "#/$defs/name"},
        "kind": {"enum": list(PARAM_KINDS), "description": "absent: text"},
        "default": {"$ref": f"#/$defs/value{MAX_VALUE_DEPTH}"},
        "min": {"type": ["number", "null"]},
        "max": {"type": ["number", "null"]},
        "choices": {"type": "array", "maxItems": MAX_CHOICES, "items": _text(MAX_LABEL)},
        "label": _text(MAX_LABEL),
        "help": _text(MAX_COMMENT),
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Graphwright pipeline document",
    "description": (
        "A pipeline: nodes (module instances), edges (output port -> input port) and pipeline "
        f"parameters. Names (node ids, ports, parameter names, targets, module keys) are {NAME_RULE}; "
        "'$' in patterns means the end of the string (ECMA-262). Every number is a finite double "
        "(no NaN, no Infinity, nothing that overflows)."
    ),
    "type": "object",
    "required": ["nodes"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": 1},
        "name": _text(MAX_LABEL),
        "description": _text(MAX_COMMENT),
        "default_target": {"description": "the compute target of every node that names none; absent or null: the "
                                          "server's default (local)", "type": ["string", "null"], "pattern": NAME_PATTERN},
        "parameters": {"type": "array", "maxItems": MAX_PARAMETERS, "items": {"$ref": "#/$defs/parameter"}},
        "nodes": {"type": "array", "maxItems": MAX_NODES, "items": {"$ref": "#/$defs/node"}},
        "edges": {"type": "array", "maxItems": MAX_EDGES, "items": {"$ref": "#/$defs/edge"}},
    },
    "$defs": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "node": NODE,
        "edge": EDGE,
        "parameter": PARAMETER,
        **{f"value{d}": _value(d) for d in range(MAX_VALUE_DEPTH + 1)},
    },
}


def document_schema(*, targets: list[str] | None = None, timeout: float | None = None,
                    memory_mb: int | None = None, cpu_seconds: int | None = None,
                    url: str | None = None) -> dict[str, Any]:
    """The schema as this server applies it: with its targets and the caps of per-node limits
    (and, served, its own URL as `$id`)."""
    schema = copy.deepcopy(SCHEMA)
    if url:
        schema["$id"] = url
    props = schema["$defs"]["node"]["properties"]
    if targets is not None:
        props["target"]["enum"] = [*sorted(targets), None]
    for key, cap in (("timeout", timeout), ("memory_mb", memory_mb), ("cpu_seconds", cpu_seconds)):
        if cap is not None:
            props[key]["maximum"] = cap
    return schema


# -- the validators --------------------------------------------------------------------------------
# The schema is checked twice over, by two implementations of the same standard: jsonschema_rs
# answers "valid?" in about a microsecond a node, and only the items it refuses are walked again
# by jsonschema, whose errors carry the paths and values the messages below are made from.

def is_finite_number(value: Any) -> bool:
    """A JSON number a double holds: not a bool, not NaN or infinite, an int within ±MAX_NUMBER."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) if isinstance(value, float) else -MAX_NUMBER <= value <= MAX_NUMBER


def _is_number(checker: Any, value: Any) -> bool:
    return is_finite_number(value)


def _is_integer(checker: Any, value: Any) -> bool:
    return _is_number(checker, value) and (isinstance(value, int) or value.is_integer())


@lru_cache(maxsize=64)
def _ecma(pattern: str) -> re.Pattern[str]:
    # ECMA-262's '$' (no multiline) is the very end; Python's also matches before a final "\n"
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _ecma(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_type_checker = Draft202012Validator.TYPE_CHECKER.redefine_many({"number": _is_number, "integer": _is_integer})
DocumentValidator = validators.extend(Draft202012Validator, {"pattern": _pattern}, type_checker=_type_checker)
DocumentValidator.check_schema(SCHEMA)
_slow = DocumentValidator(SCHEMA)
_ITEM_DEFS = {"nodes": "node", "edges": "edge", "parameters": "parameter"}
_slow_items = {key: DocumentValidator({"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{item}"})
               for key, item in _ITEM_DEFS.items()}
# the document without looking into its nodes, edges and parameters (their lists' size and type only)
_slow_top = DocumentValidator({**SCHEMA, "properties": {
    k: {kk: vv for kk, vv in v.items() if kk != "items"} for k, v in SCHEMA["properties"].items()}})
_fast = jsonschema_rs.validator_for(SCHEMA)


def _plain_json(document: Any) -> bool:
    """True when `document` is plain JSON with finite numbers (what jsonschema_rs cannot tell: it
    reads NaN and Infinity as null); a request body always is, a Python caller's may not be."""
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def schema_violations(document: Any) -> Iterator[ValidationError]:
    """Every place `document` breaks the schema: each error's `absolute_path` leads to it."""
    fast: dict[tuple, str] = {}
    try:
        for e in _fast.iter_errors(document):
            fast.setdefault(tuple(e.instance_path[:2]), e.message)
        readable = True
    except (ValueError, TypeError, OverflowError):  # not something jsonschema_rs can read (a lone surrogate)
        readable = False
    if readable and not fast and _plain_json(document):
        return
    if not readable or not fast or not isinstance(document, dict):  # NaN, Infinity, ...: look everywhere
        parts = [(_slow, document, (), "the document is not plain JSON with finite numbers and valid text")]
    else:  # look again only where jsonschema_rs saw a problem: linear in the bad items, not the document
        order = list(_ITEM_DEFS)
        items = sorted((p for p in fast if len(p) == 2 and p[0] in _slow_items and isinstance(p[1], int)),
                       key=lambda p: (order.index(p[0]), p[1]))
        top = [m for p, m in fast.items() if p not in items]
        parts = [(_slow_top, document, (), top[0])] if top else []
        parts += [(_slow_items[key], document[key][index], (key, index), fast[(key, index)]) for key, index in items]
    for validator, instance, where, message in parts:
        found = False
        try:
            for err in validator.iter_errors(instance):
                err.path.extendleft(reversed(where))
                found = True
                yield err
        except RecursionError:  # a Python caller's value nested past any limit (a request body cannot be)
            found, message = False, "nests lists or objects too deeply to read"
        if not found:  # the two implementations disagree: the refusal stands, in jsonschema_rs's words
            yield ValidationError(message, path=where)
