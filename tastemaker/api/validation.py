"""Validate parsed wire input against the model with botocore's ParamValidator."""
from __future__ import annotations

from typing import Any

from botocore.model import Shape
from botocore.validate import ParamValidator

from ..errors import InvalidInputException

_validator = ParamValidator()


def drop_unknown(shape: Shape | None, value: Any) -> Any:
    """Keep only members the model knows: AWS adds members over time and clients may send them."""
    if shape is None or not isinstance(value, (dict, list)):
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {
            key: drop_unknown(shape.members[key], item)
            for key, item in value.items()
            if key in shape.members
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [drop_unknown(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: drop_unknown(shape.value, item) for key, item in value.items()}
    return value


def validate(shape: Shape | None, value: dict) -> None:
    """Raise InvalidInputException naming every problem (required, type, length, range, enum)."""
    if shape is None:
        return
    report = _validator.validate(value, shape)
    problems = report.generate_report().splitlines() if report.has_errors() else []
    problems += above_max(shape, value, "input")
    if problems:
        count = len(problems)
        plural = "s" if count != 1 else ""
        raise InvalidInputException(
            f"{count} validation error{plural} detected: " + "; ".join(p.strip() for p in problems)
        )


def above_max(shape: Shape, value: Any, name: str) -> list[str]:
    """Problems with the model's upper limits (botocore's ParamValidator checks only the lower ones)."""
    limit = shape.metadata.get("max")
    kind = shape.type_name
    problems = []
    if limit is not None:
        if kind in ("string", "list", "map") and isinstance(value, (str, list, dict)) and len(value) > limit:
            problems.append(f"Invalid length for parameter {name}, value: {len(value)}, valid max length: {limit}")
        elif kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)) and value > limit:
            problems.append(f"Invalid value for parameter {name}, value: {value}, valid max value: {limit}")
    if kind == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                problems += above_max(shape.members[key], item, f"{name}.{key}")
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            problems += above_max(shape.member, item, f"{name}[{i}]")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            problems += above_max(shape.value, item, f"{name}.{key}")
    return problems
