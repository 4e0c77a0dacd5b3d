"""Parse wire JSON into snake_case Python and serialize results back, by walking botocore shapes."""
from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from botocore import xform_name
from botocore.model import Shape
from botocore.utils import parse_timestamp


@cache
def _snake(name: str) -> str:
    return xform_name(name)


def _wire_name(name: str, member: Shape) -> str:
    return member.serialization.get("name", name)


def parse(shape: Shape | None, value: Any) -> Any:
    """Wire value (already JSON-decoded) -> Python: structure members become snake_case keys.

    Map keys are user data and stay as they are. Timestamps become aware datetimes.
    """
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        return {
            _snake(name): parse(member, value[_wire_name(name, member)])
            for name, member in shape.members.items()
            if _wire_name(name, member) in value
        }
    if kind == "list":
        return [parse(shape.member, item) for item in value]
    if kind == "map":
        return {key: parse(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return value if isinstance(value, dt.datetime) else parse_timestamp(value)
    return value


def _pick(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        found = value.get(_snake(name))
        return value.get(name) if found is None else found
    return getattr(value, _snake(name), None)


def serialize(shape: Shape | None, value: Any) -> Any:
    """Python result -> wire value: reads xform_name(member) from dicts or attributes of objects."""
    if shape is None or value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            item = _pick(value, name)
            if item is not None:
                out[_wire_name(name, member)] = serialize(member, item)
        return out
    if kind == "list":
        return [serialize(shape.member, item) for item in value]
    if kind == "map":
        return {key: serialize(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, dt.datetime) else float(value)
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    return value
