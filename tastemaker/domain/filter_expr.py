"""Personalize filter expressions (spec §9.2): a lexer and a recursive-descent parser to a small AST."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InvalidInputException

DATASETS = ("Items", "Interactions", "Users", "Actions", "Action_Interactions")
CURRENT = ("CurrentItem", "CurrentUser")
TARGETS = ("ItemID", "UserID", "ActionID")
TARGET_DATASETS = {"ItemID": ("Items", "Interactions"), "UserID": ("Users", "Interactions"),
                   "ActionID": ("Actions", "Action_Interactions")}
COMPARISONS = ("=", "<", "<=", ">", ">=")
KEYWORDS = ("INCLUDE", "EXCLUDE", "WHERE", "AND", "OR", "IN", "NOT", "IF")
_CANON = {name.lower(): name for name in DATASETS + CURRENT + TARGETS}
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<placeholder>\$[A-Za-z0-9_]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|=|<|>)
  | (?P<punct>[().,|*])
""", re.X | re.S)


@dataclass(frozen=True)
class Field:
    """`Items.GENRE`, `CurrentItem.PRICE`: a dataset (or CurrentItem/CurrentUser) and a column."""
    source: str
    column: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Placeholder:
    name: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Star:
    """`*` in an EVENT_TYPE value list: any event type."""


Value = str | float | Placeholder | Star
Operand = tuple[Value, ...] | Field | Value


@dataclass(frozen=True)
class Condition:
    """`field op operand`; operand is a tuple for `IN (...)`, a Field for CurrentItem/CurrentUser refs."""
    field: Field
    op: str
    operand: Operand


@dataclass(frozen=True)
class Expression:
    """One INCLUDE/EXCLUDE expression; `where` is an OR of AND-groups (AND binds tighter than OR)."""
    action: str
    target: str
    where: tuple[tuple[Condition, ...], ...]
    if_: tuple[Condition, ...] = ()
    pos: int = field(default=0, compare=False)

    def conditions(self) -> list[Condition]:
        return [c for group in self.where for c in group] + list(self.if_)


@dataclass(frozen=True)
class Filter:
    expressions: tuple[Expression, ...]


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def describe(self) -> str:
        return "the end of the expression" if self.kind == "eof" else repr(self.text)


def error(pos: int, reason: str) -> InvalidInputException:
    """The message every malformed expression gets: 1-based character position and the reason."""
    return InvalidInputException(f"Invalid filter expression at position {pos + 1}: {reason}")


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch == '"':
                raise error(pos, "unterminated string: a closing \" is missing")
            hint = "; use NOT IN" if ch == "!" else ""
            raise error(pos, f"unexpected character {ch!r}{hint}")
        if m.lastgroup == "placeholder":
            check_placeholder_name(m.group()[1:], pos)
        if m.lastgroup != "ws":
            tokens.append(Token(m.lastgroup, m.group(), pos))
        pos = m.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


def check_placeholder_name(name: str, pos: int) -> None:
    if not name:
        raise error(pos, "expected a placeholder name after $ (letters, digits and _)")
    if len(name) > 50:
        raise error(pos, f"placeholder name ${name[:20]}... is longer than 50 characters")


def parse(text: str) -> Filter:
    """Parse a whole filter (`expr | expr ...`); InvalidInputException with position and reason if malformed."""
    if not text.strip():
        raise error(0, "the expression is empty")
    return _Parser(tokenize(text)).filter()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.i = tokens, 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, expected: str) -> InvalidInputException:
        return error(self.tok.pos, f"{expected}, found {self.tok.describe()}")

    def expect_punct(self, ch: str, expected: str) -> Token:
        if self.tok.kind != "punct" or self.tok.text != ch:
            raise self.fail(expected)
        return self.take()

    def filter(self) -> Filter:
        exprs = [self.expression()]
        while self.tok.kind == "punct" and self.tok.text == "|":
            self.take()
            exprs.append(self.expression())
        return Filter(tuple(exprs))

    def expression(self) -> Expression:
        start = self.tok
        if not start.is_word("INCLUDE", "EXCLUDE"):
            raise self.fail("expected INCLUDE or EXCLUDE")
        self.take()
        target_tok = self.tok
        target = _CANON.get(target_tok.text.lower()) if target_tok.kind == "word" else None
        if target not in TARGETS:
            raise self.fail(f"expected ItemID, UserID or ActionID after {start.text.upper()}")
        self.take()
        if not self.tok.is_word("WHERE"):
            raise self.fail(f"expected WHERE after {target}")
        self.take()
        groups = [[self.condition(target, None)]]
        dataset = groups[0][0].field.source
        while self.tok.is_word("AND", "OR"):
            joiner = self.take().text.upper()
            cond = self.condition(target, dataset)
            if joiner == "AND":
                groups[-1].append(cond)
            else:
                groups.append([cond])
        if_ = self.if_clause(target) if self.tok.is_word("IF") else ()
        if self.tok.kind != "eof" and not (self.tok.kind == "punct" and self.tok.text == "|"):
            raise self.fail("expected AND, OR, IF, | or the end of the expression")
        return Expression(start.text.upper(), target, tuple(tuple(g) for g in groups), if_, start.pos)

    def if_clause(self, target: str) -> tuple[Condition, ...]:
        if_tok = self.take()
        if target != "ItemID":
            raise error(if_tok.pos, "IF can only be used in ItemID expressions")
        conds = [self.condition(target, "CurrentUser")]
        while self.tok.is_word("AND"):
            self.take()
            conds.append(self.condition(target, "CurrentUser"))
        if self.tok.is_word("IF", "OR"):
            raise self.fail("IF must come once, at the end of an expression, with its conditions joined by AND")
        return tuple(conds)

    def field(self, what: str) -> Field:
        tok = self.tok
        source = _CANON.get(tok.text.lower()) if tok.kind == "word" else None
        if tok.kind != "word" or tok.is_word(*KEYWORDS):
            raise self.fail(f"expected {what}")
        if source not in DATASETS + CURRENT:
            raise error(tok.pos, f"unknown dataset {tok.text!r}; expected Items, Interactions, Users, Actions, "
                                 "Action_Interactions, CurrentItem or CurrentUser")
        self.take()
        self.expect_punct(".", f"expected . and a column name after {source}")
        col = self.tok
        if col.kind != "word":
            raise self.fail(f"expected a column name after {source}.")
        self.take()
        column = col.text
        if source in ("Interactions", "Action_Interactions") and column.upper() == "EVENT_TYPE":
            column = "EVENT_TYPE"
        return Field(source, column, tok.pos)

    def condition(self, target: str, dataset: str | None) -> Condition:
        in_if = dataset == "CurrentUser"
        left = self.field("CurrentUser.<column> in the IF clause" if in_if else "a field such as Items.GENRE")
        self.check_left(left, target, dataset)
        name = f"{left.source}.{left.column}"
        if self.tok.is_word("IN"):
            self.take()
            return Condition(left, "IN", self.in_operand(left, target, in_if))
        if self.tok.is_word("NOT"):
            self.take()
            if not self.tok.is_word("IN"):
                raise self.fail(f"expected IN after {name} NOT")
            self.take()
            return Condition(left, "NOT IN", self.in_operand(left, target, in_if))
        if self.tok.kind == "op":
            op = self.take().text
            return Condition(left, op, self.comparison_operand(op, target, in_if))
        raise self.fail(f"expected IN, NOT IN or a comparison operator after {name}")

    def check_left(self, left: Field, target: str, dataset: str | None) -> None:
        if dataset == "CurrentUser":
            if left.source != "CurrentUser":
                raise error(left.pos, f"IF conditions can only use CurrentUser fields, not {left.source}")
            return
        if left.source in CURRENT:
            raise error(left.pos, f"{left.source} fields can only appear on the right of a condition "
                                  "(or CurrentUser in an IF clause)")
        if left.source not in TARGET_DATASETS[target]:
            allowed = " or ".join(TARGET_DATASETS[target])
            raise error(left.pos, f"{target} expressions can only use {allowed} fields, not {left.source}")
        if dataset is not None and left.source != dataset:
            raise error(left.pos, f"all conditions of one expression must use the same dataset ({dataset}), "
                                  f"found {left.source}; combine expressions on different datasets with |")

    def in_operand(self, left: Field, target: str, in_if: bool) -> Operand:
        if self.tok.kind == "word" and not in_if:
            return self.current_ref(target)
        self.expect_punct("(", "expected ( and a list of values after IN" if in_if else
                          "expected ( and a list of values, or a CurrentItem/CurrentUser field, after IN")
        if self.tok.kind == "punct" and self.tok.text == ")":
            raise error(self.tok.pos, "empty value list: IN needs at least one value")
        values = [self.list_value(left)]
        while self.tok.kind == "punct" and self.tok.text == ",":
            self.take()
            values.append(self.list_value(left))
        self.expect_punct(")", "expected , or ) in the value list")
        return tuple(values)

    def list_value(self, left: Field) -> Value:
        tok = self.take()
        if tok.kind == "string":
            return unquote(tok.text)
        if tok.kind == "placeholder":
            return Placeholder(tok.text[1:], tok.pos)
        if tok.kind == "punct" and tok.text == "*":
            if left.column != "EVENT_TYPE":
                raise error(tok.pos, "* (any value) can only be used with Interactions.EVENT_TYPE")
            return Star()
        self.i -= 1
        raise self.fail('expected a quoted value ("..."), a $placeholder or * in the value list')

    def current_ref(self, target: str) -> Field:
        ref = self.field("a CurrentItem or CurrentUser field")
        if ref.source not in CURRENT:
            raise error(ref.pos, f"expected CurrentItem or CurrentUser, found {ref.source}")
        if target != "ItemID":
            raise error(ref.pos, f"{ref.source} can only be used in ItemID expressions")
        return ref

    def comparison_operand(self, op: str, target: str, in_if: bool) -> Operand:
        tok = self.tok
        if tok.kind == "number":
            self.take()
            return float(tok.text)
        if tok.kind == "placeholder":
            self.take()
            return Placeholder(tok.text[1:], tok.pos)
        if tok.kind == "string" and op == "=":
            self.take()
            return unquote(tok.text)
        if tok.kind == "word" and not in_if:
            return self.current_ref(target)
        refs = "" if in_if else ", a CurrentItem/CurrentUser field"
        quoted = ', a quoted value' if op == "=" else ""
        raise self.fail(f"expected a number, a $placeholder{quoted}{refs} after {op}")


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.S)


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(flt: Filter) -> str:
    """The canonical text of a parsed filter (parse(render(f)) == f)."""
    return " | ".join(_render_expression(e) for e in flt.expressions)


def _render_expression(expr: Expression) -> str:
    where = " OR ".join(" AND ".join(_render_condition(c) for c in group) for group in expr.where)
    text = f"{expr.action} {expr.target} WHERE {where}"
    if expr.if_:
        text += " IF " + " AND ".join(_render_condition(c) for c in expr.if_)
    return text


def _render_condition(cond: Condition) -> str:
    op = cond.operand
    if isinstance(op, tuple):
        rhs = "(" + ", ".join(_render_value(v) for v in op) + ")"
    else:
        rhs = _render_value(op)
    return f"{cond.field.source}.{cond.field.column} {cond.op} {rhs}"


def _render_value(value: Operand) -> str:
    if isinstance(value, Field):
        return f"{value.source}.{value.column}"
    if isinstance(value, Placeholder):
        return "$" + value.name
    if isinstance(value, Star):
        return "*"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return quote(value)


def placeholders(flt: Filter) -> set[str]:
    return {v.name for e in flt.expressions for v in _values(e) if isinstance(v, Placeholder)}


def fields(flt: Filter) -> set[tuple[str, str]]:
    """Every (source, column) the filter reads, CurrentItem/CurrentUser references included."""
    out = set()
    for expr in flt.expressions:
        for cond in expr.conditions():
            out.add((cond.field.source, cond.field.column))
            if isinstance(cond.operand, Field):
                out.add((cond.operand.source, cond.operand.column))
    return out


def _values(expr: Expression) -> list[Operand]:
    out: list[Operand] = []
    for cond in expr.conditions():
        out.extend(cond.operand if isinstance(cond.operand, tuple) else (cond.operand,))
    return out
