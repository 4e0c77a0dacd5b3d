"""Hypothesis strategies and helpers that walk botocore shapes (shared by the wire conformance tests)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel, Shape
from botocore.serialize import create_serializer
from hypothesis import strategies as st

from tastemaker.api.spec import service_model

ALPHABET = "abcXYZ019-_:/"
EPOCH_MIN = dt.datetime(2001, 1, 1)
EPOCH_MAX = dt.datetime(2035, 1, 1)


def _sizes(shape: Shape, spare: int) -> tuple[int, int]:
    low = int(shape.metadata.get("min", 0))
    high = int(shape.metadata.get("max", low + spare))
    return low, max(low, min(high, low + spare))


def _number_bounds(shape: Shape, default: tuple[float, float]) -> tuple[float, float]:
    low = shape.metadata.get("min", default[0])
    high = shape.metadata.get("max", default[1])
    return low, max(low, high)


def values(shape: Shape, depth: int = 0, pools: dict[str, st.SearchStrategy] | None = None) -> st.SearchStrategy[Any]:
    """Valid wire values (camelCase) for a shape: lengths, ranges and enums respected.

    `pools` maps a member name or a string shape name to extra values to mix in (real ARNs, ids);
    a key `!member` gives the only values of that member and makes it always present (None: always absent).
    """
    kind = shape.type_name
    if pools and kind == "string" and shape.name in pools:
        return st.one_of(pools[shape.name], values(shape, depth))
    if kind == "structure":
        if depth > 6:
            return st.just({})
        required = set(shape.required_members)
        members = {n: _member(n, m, depth, pools, frozenset(required)) for n, m in shape.members.items()}
        forced = {n for n in members if pools and f"!{n}" in pools}
        required |= {n for n in forced if members[n] is not None}
        members = {n: s for n, s in members.items() if s is not None}
        return st.fixed_dictionaries(
            {n: s for n, s in members.items() if n in required},
            optional={n: s for n, s in members.items() if n not in required},
        )
    if kind == "list":
        low, high = _sizes(shape, 2)
        return st.lists(values(shape.member, depth + 1, pools), min_size=low, max_size=high)
    if kind == "map":
        low, high = _sizes(shape, 2)
        return st.dictionaries(values(shape.key, depth + 1), values(shape.value, depth + 1, pools),
                               min_size=low, max_size=high)
    if kind == "string":
        if shape.enum:
            return st.sampled_from(shape.enum)
        low, high = _sizes(shape, 8)
        return st.text(ALPHABET, min_size=low, max_size=high)
    if kind in ("integer", "long"):
        low, high = _number_bounds(shape, (0, 10**6))
        return st.integers(int(low), int(high))
    if kind in ("float", "double"):
        low, high = _number_bounds(shape, (-1e6, 1e6))
        return st.floats(float(low), float(high), allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(EPOCH_MIN, EPOCH_MAX, timezones=st.just(dt.timezone.utc)).map(
            lambda d: d.replace(microsecond=0))
    if kind == "blob":
        return st.binary(max_size=8)
    raise NotImplementedError(f"no strategy for {kind} shape {shape.name}")


def _member(name: str, member: Shape, depth: int, pools: dict | None,
            member_of_required: frozenset = frozenset()) -> st.SearchStrategy | None:
    if pools and f"!{name}" in pools and pools[f"!{name}"] is not None:
        return pools[f"!{name}"]
    if pools and f"!{name}" in pools:  # leave it out (unless the model requires it)
        return values(member, depth + 1, pools) if name in member_of_required else None
    if pools and name in pools:
        return st.one_of(pools[name], values(member, depth + 1, pools))
    return values(member, depth + 1, pools)


def snake(shape: Shape | None, value: Any) -> Any:
    """The same value with structure members renamed to xform_name (map keys stay as they are)."""
    if shape is None or value is None:
        return value
    if shape.type_name == "structure":
        return {xform_name(k): snake(shape.members[k], v) for k, v in value.items()}
    if shape.type_name == "list":
        return [snake(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: snake(shape.value, v) for k, v in value.items()}
    return value


def minimal(shape: Shape, depth: int = 0) -> Any:
    """The smallest valid wire value for a shape: required members only, minimal sizes."""
    kind = shape.type_name
    if kind == "structure":
        return {n: minimal(shape.members[n], depth + 1) for n in shape.required_members} if depth < 6 else {}
    if kind == "list":
        return [minimal(shape.member, depth + 1) for _ in range(int(shape.metadata.get("min", 0)))]
    if kind == "map":
        return {}
    if kind == "string":
        return shape.enum[0] if shape.enum else "a" * max(1, int(shape.metadata.get("min", 1)))
    if kind in ("integer", "long"):
        return int(shape.metadata.get("min", 1))
    if kind in ("float", "double"):
        return float(shape.metadata.get("min", 0.5))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 1700000000
    return ""


def full(shape: Shape, depth: int = 0) -> Any:
    """A valid wire value with every member present (lists of one), so that any member can be spoilt."""
    kind = shape.type_name
    if kind == "structure":
        return {n: full(m, depth + 1) for n, m in shape.members.items()} if depth < 6 else {}
    if kind == "list":
        return [full(shape.member, depth + 1) for _ in range(max(1, int(shape.metadata.get("min", 1))))]
    if kind == "map":
        key = shape.key.enum[0] if shape.key.enum else "k"
        return {key: full(shape.value, depth + 1)}
    if kind in ("integer", "long"):
        return int(min(shape.metadata.get("max", 1), max(shape.metadata.get("min", 1), 1)))
    return minimal(shape, depth)


def _wrong_type(shape: Shape) -> Any:
    return {
        "structure": "not-an-object", "list": {"not": "a list"}, "map": ["not", "a", "map"],
        "string": 12345, "integer": "12", "long": 1.5, "float": "1.0", "double": [1.0],
        "boolean": "true", "timestamp": "not a date", "blob": 7,
    }.get(shape.type_name, None)


def spoilt(shape: Shape, depth: int = 0) -> list[tuple[str, Any]]:
    """(what is wrong, bad value) pairs for one member of this shape, each breaking one model rule."""
    meta, kind = shape.metadata, shape.type_name
    out: list[tuple[str, Any]] = [("wrong type", _wrong_type(shape)), ("null", None)]
    if kind == "string":
        if "max" in meta and meta["max"] <= 40000:
            out.append(("too long", "a" * (int(meta["max"]) + 1)))
        if meta.get("min", 0) >= 1:
            out.append(("too short", ""))
        if shape.enum:
            out.append(("not in enum", "NOT_AN_ENUM_VALUE"))
    elif kind in ("integer", "long"):
        if "max" in meta:
            out.append(("above max", int(meta["max"]) + 1))
        if "min" in meta:
            out.append(("below min", int(meta["min"]) - 1))
        out.append(("fraction", 1.5))
    elif kind in ("float", "double"):
        if "max" in meta:
            out.append(("above max", float(meta["max"]) + 1))
        if "min" in meta:
            out.append(("below min", float(meta["min"]) - 1))
    elif kind == "list":
        if "max" in meta and meta["max"] <= 1000:
            out.append(("too many", [full(shape.member, depth + 1)] * (int(meta["max"]) + 1)))
        if meta.get("min", 0) >= 1:
            out.append(("empty", []))
    return out


def mutations(shape: Shape, value: Any, path: tuple = (), depth: int = 0):
    """Yield (path description, whole bad value) for every member of `value`, one rule broken at a time."""
    if depth > 5:
        return
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if name in value:
                yield ".".join(map(str, path + (name,))) + ": missing required", _without(value, name)
        for name, member in shape.members.items():
            if name not in value:
                continue
            for what, bad in spoilt(member, depth):
                yield ".".join(map(str, path + (name,))) + f": {what}", {**value, name: bad}
            for where, inner in mutations(member, value[name], path + (name,), depth + 1):
                yield where, {**value, name: inner}
    elif kind == "list" and isinstance(value, list) and value:
        for where, inner in mutations(shape.member, value[0], path + (0,), depth + 1):
            yield where, [inner] + value[1:]
    elif kind == "map" and isinstance(value, dict) and value:
        key = next(iter(value))
        for what, bad in spoilt(shape.value, depth):
            yield ".".join(map(str, path + (key,))) + f": {what}", {**value, key: bad}


def _without(value: dict, name: str) -> dict:
    return {k: v for k, v in value.items() if k != name}


def botocore_request(svc: str, op: OperationModel, params: dict) -> dict:
    """The request botocore's own client would send."""
    serializer = create_serializer(service_model(svc).protocol)
    request = serializer.serialize_to_request(params, op)
    body = request["body"]
    request["body"] = body.encode() if isinstance(body, str) else (body or b"")
    return request
