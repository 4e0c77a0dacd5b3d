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
    if report.has_errors():
        problems = report.generate_report().splitlines()[1:]
        count = len(problems)
        plural = "s" if count != 1 else ""
        raise InvalidInputException(
            f"{count} validation error{plural} detected: " + "; ".join(p.strip() for p in problems)
        )
