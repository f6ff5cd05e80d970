"""Split Data's relative expressions, as Azure writes them: `\\"age" > 40`, `"sex" == 'female' & "age" <= 12`.
Parsed into a small tree and evaluated on columns; the user's text is never evaluated as code."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence, Union

import numpy as np
import pandas as pd

MAX_EXPRESSION_CHARS = 10_000
MAX_DEPTH = 50

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<column>\\?"(?:[^"\\]|\\.)*")                     # "column", optionally written \"column"
    | (?P<text>'(?:[^'\\]|\\.)*')                          # 'text'
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<op><=|>=|==|!=|<>|=|<|>)
    | (?P<logic>&&|\|\||&|\||\band\b|\bor\b)
    | (?P<paren>[()])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)                    # a bare column name: age > 40
    )""", re.VERBOSE | re.IGNORECASE)


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Compare:
    column: str
    op: str
    value: Union[float, str]


@dataclass(frozen=True)
class Logic:
    op: str  # "and" | "or"
    left: "Node"
    right: "Node"


Node = Union[Compare, Logic]


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def tokenize(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_CHARS} characters")
    tokens, pos = [], 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"cannot read the expression at character {pos + 1}: {stripped[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "column":
            tokens.append(("column", _unquote(raw.lstrip("\\"))))
        elif kind == "ident":
            tokens.append(("column", raw))
        elif kind == "text":
            tokens.append(("text", _unquote(raw)))
        elif kind == "logic":
            tokens.append(("logic", "and" if raw.lower() in ("&", "&&", "and") else "or"))
        elif kind == "op":
            tokens.append(("op", {"=": "==", "<>": "!="}.get(raw, raw)))
        else:
            tokens.append((kind, raw))
        pos = match.end()
    return tokens


def parse(text: str) -> Node:
    """The tree of `text`, or an ExpressionError saying where it goes wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty")
    parser = _Parser(tokenize(text))
    node = parser.disjunction(0)
    if parser.pos != len(parser.tokens):
        raise ExpressionError(f"unexpected {parser.tokens[parser.pos][1]!r} after a complete expression")
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, what: str) -> str:
        token = self.peek()
        if token is None or token[0] != kind:
            found = "the end" if token is None else repr(token[1])
            raise ExpressionError(f"expected {what}, found {found}")
        self.pos += 1
        return token[1]

    def disjunction(self, depth: int) -> Node:
        return self._chain("or", self.conjunction, depth)

    def conjunction(self, depth: int) -> Node:
        return self._chain("and", self.atom, depth)

    def _chain(self, op: str, part: Any, depth: int) -> Node:
        node = part(depth)
        while self.peek() == ("logic", op):
            self.pos += 1
            node = Logic(op, node, part(depth))
        return node

    def atom(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression nests parentheses more than {MAX_DEPTH} deep")
        if self.peek() == ("paren", "("):
            self.pos += 1
            node = self.disjunction(depth + 1)
            self.take("paren", "')'")
            return node
        column = self.take("column", 'a column name in double quotes, like "age"')
        op = self.take("op", "a comparison (>, >=, <, <=, ==, !=)")
        token = self.peek()
        if token is None or token[0] not in ("number", "text"):
            found = "the end" if token is None else repr(token[1])
            raise ExpressionError(f"expected a number or a 'text' after {column!r} {op}, found {found}")
        self.pos += 1
        value: float | str = float(token[1]) if token[0] == "number" else token[1]
        if isinstance(value, float) and not np.isfinite(value):
            raise ExpressionError(f"the number {token[1][:20]!r} is too large")
        return Compare(column, op, value)


def columns(node: Node) -> list[Compare]:
    if isinstance(node, Compare):
        return [node]
    return columns(node.left) + columns(node.right)


def type_problems(node: Node, dtypes: dict[str, str], numeric: Sequence[str]) -> list[str]:
    """What is wrong with the comparisons, given column types: unknown columns, text against numbers."""
    found = []
    for c in columns(node):
        kind = dtypes.get(c.column)
        if kind is None:
            found.append(f"column {c.column!r} is not in the input")
        elif isinstance(c.value, float) and kind not in numeric:
            found.append(f"column {c.column!r} holds {kind} and is compared with the number {c.value:g}")
        elif isinstance(c.value, str) and kind in numeric:
            found.append(f"column {c.column!r} holds numbers and is compared with the text {c.value[:30]!r}")
    return found


def evaluate(node: Node, df: pd.DataFrame) -> np.ndarray:
    """The rows of `df` for which the expression holds (a comparison with a missing value does not)."""
    if isinstance(node, Logic):
        left, right = evaluate(node.left, df), evaluate(node.right, df)
        return (left & right) if node.op == "and" else (left | right)
    s = df[node.column]
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    ops = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal,
           "!=": np.not_equal}
    if isinstance(node.value, float):
        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return ops[node.op](values, node.value) & ~np.isnan(values)
    present = s.notna().to_numpy()
    values = s.astype(str).to_numpy(dtype=object)
    return np.asarray(ops[node.op](values, node.value), dtype=bool) & present
