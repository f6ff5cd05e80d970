"""The API's JSON body parser: strict JSON with finite numbers and bounded nesting, so that what
the views receive can be stored, hashed and validated without overflow or recursion."""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.renderers import JSONRenderer

MAX_FLOAT = 1.7976931348623157e308
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string, escapes included (linear: no nesting)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_ODD_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")  # may spell a surrogate or NUL
_SURROGATE = re.compile("[\ud800-\udfff]")


def max_depth() -> int:
    return int(getattr(settings, "API_JSON_MAX_DEPTH", 64))


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in `text`, counted without parsing it (so without
    recursion): brackets inside strings are dropped, then the running balance's peak is taken."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range: numbers must fit a double")
    return value


def _bounded_int(text: str) -> int:
    value = int(text)  # more than 4,300 digits is a ValueError already
    if abs(value) > MAX_FLOAT:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"the number {shown} is out of range: numbers must fit a double")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON: numbers must be finite")


def loads(text: str) -> Any:
    """Parse `text` as strict JSON (ValueError when it is not), nested at most `max_depth()` deep."""
    limit = max_depth()
    if nesting_depth(text) > limit:
        raise ValueError(f"arrays and objects nest deeper than {limit} levels")
    try:
        value = json.loads(text, parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:  # only for text the bracket count misread (it is not JSON either)
        raise ValueError(f"arrays and objects nest deeper than {limit} levels") from None
    if _ODD_ESCAPE.search(text):  # rare: only then look at every string
        problem = _untextual(value)
        if problem:
            raise ValueError(problem)
    return value


def _untextual(value: Any) -> str | None:
    """What makes a string of `value` unstorable, if one is: "\\u0000" and lone "\\ud800" are JSON
    but not text that PostgreSQL, a renderer or an encoder would take later."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if isinstance(item, dict):
            stack.extend(item.values())
            texts: Any = item.keys()
        elif isinstance(item, str):
            texts = (item,)
        else:
            continue
        for text in texts:
            if "\x00" in text:
                return "a string holds a NUL character (\\u0000), which no text field can store"
            if _SURROGATE.search(text):
                return "a string holds a lone surrogate (\\ud800-\\udfff): not valid Unicode text"
    return None


class StrictJSONParser(BaseParser):
    """JSONParser's replacement: NaN, Infinity, numbers that overflow a double, nesting deeper than
    settings.API_JSON_MAX_DEPTH, NUL characters and lone surrogates are a 400 `parse_error` naming
    the problem."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        encoding = get_encoding(parser_context or {})
        # DRF hands the parser the raw request stream, bypassing Django's DATA_UPLOAD_MAX_MEMORY_SIZE:
        # read one byte past the limit, never the whole body
        limit = settings.REQUEST_BODY_MAX_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            from .errors import PayloadTooLarge  # errors imports DRF views, whose settings import this

            raise PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes, "
                                  "set by REQUEST_BODY_MAX_BYTES")
        try:
            return loads(body.decode(encoding))
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors too
            raise ParseError(f"JSON parse error - {exc}") from None
