"""Filter evaluation: a compiled filter expression turned into a boolean mask over candidate ids (spec §9.3)."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..domain import filter_expr as fx
from ..errors import InvalidInputException

RECENT_PER_EVENT_TYPE = 100
"""Interactions conditions see the user's 100 most recent interactions per event type."""
_QUOTED = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
_DISABLED = object()
_MEMOS: dict[tuple[Any, ...], dict[Any, bool]] = {}
_MEMO_MAX_KEYS, _MEMO_MAX_VALUES = 1024, 100_000


@dataclass
class FilterInputs:
    """What one request gives the filter: the candidates and the data its conditions read."""
    item_ids: np.ndarray
    item_column: Callable[[str], dict[str, str | float | None]]
    user_interactions: list[tuple[str, str]]
    user_row: dict[str, Any] | None = None
    current_item: dict[str, Any] | None = None
    user_column: Callable[[str], dict[str, Any]] | None = None


class CompiledFilter:
    """A parsed filter expression, ready to mask candidates request after request."""

    def __init__(self, expression: str, tree: fx.Filter) -> None:
        self.expression = expression
        self.tree = tree
        self.placeholders = fx.placeholders(tree)
        self.target = tree.expressions[0].target
        self.fields = fx.fields(tree)
        self.datasets = {source for source, _ in self.fields if source not in fx.CURRENT}
        self.required = fx.placeholders(fx.Filter(tuple(e for e in tree.expressions if e.action == "INCLUDE")))

    def needs_user_interactions(self) -> bool:
        return "Interactions" in self.datasets

    def uses_current_item(self) -> bool:
        return any(source == "CurrentItem" for source, _ in self.fields)

    def uses_current_user(self) -> bool:
        return any(source == "CurrentUser" for source, _ in self.fields)

    def allowed(self, inputs: FilterInputs, values: dict[str, str] | None) -> np.ndarray:
        """(∪ INCLUDE) − (∪ EXCLUDE) as a bool mask over inputs.item_ids; a filter with no INCLUDE keeps all."""
        params = {name: parse_filter_values(name, raw) for name, raw in (values or {}).items()}
        ev = _Evaluator(inputs, params)
        for name in sorted(self.required - params.keys()):
            ev.placeholder(fx.Placeholder(name), required=True)
        n = len(inputs.item_ids)
        include: np.ndarray | None = None
        exclude = np.zeros(n, dtype=bool)
        for expr in self.tree.expressions:
            mask = ev.expression(expr)
            if mask is None:
                continue
            if expr.action == "INCLUDE":
                include = mask if include is None else include | mask
            else:
                exclude |= mask
        return (np.ones(n, dtype=bool) if include is None else include) & ~exclude


@lru_cache(maxsize=4096)
def compile_filter(expression: str) -> CompiledFilter:
    """Parse once (cached by text); InvalidInputException with position and reason when malformed."""
    tree = fx.parse(expression)
    first = tree.expressions[0].target
    for expr in tree.expressions[1:]:
        if expr.target != first:
            raise fx.error(expr.pos, f"all expressions of a filter must filter the same ids ({first}), "
                                     f"found {expr.target}")
    return CompiledFilter(expression, tree)


def unsupported_reason(compiled: CompiledFilter) -> str | None:
    """Why Tastemaker cannot evaluate this (valid) filter yet, or None."""
    for source, column in sorted(compiled.fields):
        if source in ("Actions", "Action_Interactions"):
            return f"filters on the {source} dataset are not supported yet"
        if source == "Interactions" and column not in ("EVENT_TYPE", "ITEM_ID"):
            return (f"Interactions.{column}: only Interactions.EVENT_TYPE and Interactions.ITEM_ID "
                    "can be filtered so far (not supported yet)")
        if source == "Interactions" and compiled.target != "ItemID":
            return "Interactions conditions in UserID filters are not supported yet"
    return None


def parse_filter_values(name: str, raw: str) -> list[str]:
    """`"\\"Comedy\\",\\"Drama\\""` -> ["Comedy", "Drama"]; an unquoted value is taken as written."""
    text = raw.strip()
    if not text.startswith('"'):
        return [part.strip() for part in text.split(",")]
    out, pos = [], 0
    while pos < len(text):
        m = _QUOTED.match(text, pos)
        if m is None or (m.group(2) == "," and m.end() == len(text)):
            raise InvalidInputException(
                f"Invalid filterValues[{name!r}] {raw!r}: expected quoted values separated by commas, "
                'e.g. "\\"Comedy\\",\\"Drama\\"".')
        out.append(fx.unquote('"' + m.group(1) + '"'))
        pos = m.end()
    return out


def _norm(value: Any) -> str | None:
    """A stored value as the string IN compares against (1970.0 -> "1970"); None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class _Evaluator:
    """One request's evaluation: resolves placeholders and refs, caches column lookups."""

    def __init__(self, inputs: FilterInputs, params: dict[str, list[str]]) -> None:
        self.inputs, self.params = inputs, params
        self.columns: dict[tuple[str, str], list[Any]] = {}
        self.ids: list[str] = inputs.item_ids.tolist()
        self._recent: list[tuple[str, str]] | None = None

    def expression(self, expr: fx.Expression) -> np.ndarray | None:
        """The expression's mask, or None when it is switched off (IF false, all conditions disabled)."""
        required = expr.action == "INCLUDE"
        for cond in expr.if_:
            operand = self.resolve(cond, required)
            if operand is _DISABLED:
                continue
            row = self.inputs.user_row
            if row is None or not _test(cond, [row.get(cond.field.column)], operand)[0]:
                return None
        groups = []
        for group in expr.where:
            resolved = [(c, self.resolve(c, required)) for c in group]
            resolved = [(c, op) for c, op in resolved if op is not _DISABLED]
            if resolved:
                groups.append(resolved)
        if not groups:
            return None
        dataset = expr.where[0][0].field.source
        if dataset in ("Actions", "Action_Interactions") or (dataset == "Interactions" and expr.target != "ItemID"):
            raise InvalidInputException(f"{expr.target} filters on the {dataset} dataset are not supported yet.")
        if dataset == "Interactions":
            return self.interactions_mask(groups)
        return _dnf(groups, lambda c: self.column(dataset, c.field.column), len(self.inputs.item_ids))

    def resolve(self, cond: fx.Condition, required: bool) -> Any:
        """Placeholders -> their values, refs -> the current item's / user's value; _DISABLED when omitted."""
        op = cond.operand
        if isinstance(op, fx.Field):
            row = self.inputs.current_item if op.source == "CurrentItem" else self.inputs.user_row
            value = _norm((row or {}).get(op.column))
            return () if value is None else tuple(value.split("|")) if cond.op in ("IN", "NOT IN") else value
        if isinstance(op, tuple):
            out: list[Any] = []
            for v in op:
                got = self.placeholder(v, required) if isinstance(v, fx.Placeholder) else [v]
                out.extend(got or [])
            return tuple(out) if out or not any(isinstance(v, fx.Placeholder) for v in op) else _DISABLED
        if isinstance(op, fx.Placeholder):
            got = self.placeholder(op, required)
            if got is None:
                return _DISABLED
            if len(got) != 1:
                raise InvalidInputException(f"filterValues[{op.name!r}] must hold exactly one value for {cond.op}.")
            return got[0]
        return op

    def placeholder(self, ph: fx.Placeholder, required: bool) -> list[str] | None:
        if ph.name in self.params:
            return self.params[ph.name]
        if required:
            raise InvalidInputException(
                f"The filter needs a value for placeholder ${ph.name}: pass filterValues {{\"{ph.name}\": ...}} "
                "(INCLUDE expressions need every placeholder).")
        return None

    def column(self, dataset: str, column: str) -> list[Any]:
        key = (dataset, column)
        if key not in self.columns:
            ids = self.ids
            if (dataset, column) in (("Items", "ITEM_ID"), ("Users", "USER_ID")):
                self.columns[key] = list(ids)
            else:
                source = self.inputs.item_column if dataset == "Items" else self.inputs.user_column
                if source is None:
                    raise InvalidInputException(f"{dataset} filters need the {dataset} dataset, which has no data.")
                self.columns[key] = list(map(source(column).get, ids))
        return self.columns[key]

    def recent(self) -> list[tuple[str, str]]:
        """The user's most recent interactions, RECENT_PER_EVENT_TYPE per event type (newest first)."""
        if self._recent is None:
            counts: dict[str, int] = {}
            out = []
            for item, event_type in reversed(self.inputs.user_interactions):
                key = (event_type or "").lower()
                if counts.get(key, 0) < RECENT_PER_EVENT_TYPE:
                    counts[key] = counts.get(key, 0) + 1
                    out.append((item, event_type))
            self._recent = out
        return self._recent

    def interactions_mask(self, groups: list[list[tuple[fx.Condition, Any]]]) -> np.ndarray:
        rows = self.recent()
        by_column = {"ITEM_ID": [r[0] for r in rows], "EVENT_TYPE": [r[1] for r in rows]}

        def column(cond: fx.Condition) -> list[Any]:
            if cond.field.column not in by_column:
                raise InvalidInputException(f"Filtering on Interactions.{cond.field.column} is not supported yet.")
            return by_column[cond.field.column]
        hits = _dnf(groups, column, len(rows))
        matched = {rows[i][0] for i in np.flatnonzero(hits)}
        return np.fromiter(map(matched.__contains__, self.ids), dtype=bool, count=len(self.ids))


def _dnf(groups: list[list[tuple[fx.Condition, Any]]], column: Callable[[fx.Condition], list[Any]],
         n: int) -> np.ndarray:
    """OR over groups of AND-ed conditions."""
    out = np.zeros(n, dtype=bool)
    for group in groups:
        acc = np.ones(n, dtype=bool)
        for cond, operand in group:
            acc &= _test(cond, column(cond), operand)
        out |= acc
    return out


def _test(cond: fx.Condition, values: list[Any], operand: Any) -> np.ndarray:
    """One condition over a column of values (missing values: IN false, NOT IN true, comparisons false)."""
    n = len(values)
    if cond.op in ("IN", "NOT IN") or (cond.op == "=" and isinstance(operand, str) and math.isnan(_number(operand))):
        fold = cond.field.column == "EVENT_TYPE" and cond.field.source == "Interactions"
        hit = _in(values, operand if isinstance(operand, tuple) else (operand,), fold)
        return ~hit if cond.op == "NOT IN" else hit
    target = _number(operand)
    if math.isnan(target):
        if cond.op != "=" and isinstance(operand, str) and not isinstance(cond.operand, fx.Field):
            raise InvalidInputException(f"{cond.field.source}.{cond.field.column} {cond.op} needs a number, "
                                        f"got {operand!r}.")
        return np.zeros(n, dtype=bool)
    nums = _numbers(values)
    with np.errstate(invalid="ignore"):
        return {"=": np.equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
                ">=": np.greater_equal}[cond.op](nums, target)


def _in(values: list[Any], wanted: tuple[Any, ...], fold_case: bool) -> np.ndarray:
    """Any of a (possibly '|'-separated) value's parts is wanted; `*` wants any present value."""
    any_value = any(isinstance(w, fx.Star) for w in wanted)
    want = frozenset((_norm(w) or "").lower() if fold_case else _norm(w) for w in wanted if not isinstance(w, fx.Star))
    memo = _memo((want, any_value, fold_case))
    found = list(map(memo.get, values))
    if None in found:
        for k, value in enumerate(values):
            if found[k] is None:
                found[k] = memo[value] = _hit(_norm(value), want, any_value, fold_case)
    return np.array(found, dtype=bool)


def _hit(text: str | None, want: frozenset[str | None], any_value: bool, fold_case: bool) -> bool:
    if text is None or any_value:
        return text is not None
    text = text.lower() if fold_case else text
    return text in want or ("|" in text and not want.isdisjoint(text.split("|")))


def _memo(key: tuple[Any, ...]) -> dict[Any, bool]:
    """Value -> IN result, kept across requests (categorical values repeat), bounded in size."""
    memo = _MEMOS.get(key)
    if memo is None or len(memo) > _MEMO_MAX_VALUES:
        if len(_MEMOS) > _MEMO_MAX_KEYS:
            _MEMOS.clear()
        memo = _MEMOS[key] = {}
    return memo


def _numbers(values: list[Any]) -> np.ndarray:
    """Column values as floats (missing or non-numeric: NaN)."""
    try:
        return np.fromiter(values, dtype=float, count=len(values))
    except (TypeError, ValueError):
        return np.fromiter(map(_number, values), dtype=float, count=len(values))
