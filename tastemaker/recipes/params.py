"""Hyperparameters on the wire are strings: parse them into a recipe's typed pydantic models, and back."""
from __future__ import annotations

import math
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..errors import InvalidInputException

INTEGER, CONTINUOUS, CATEGORICAL = "integer", "continuous", "categorical"


def kind_of(field: FieldInfo) -> str:
    """integer | continuous | categorical (bool and Literal strings are categorical)."""
    if field.annotation is bool or typing.get_origin(field.annotation) is typing.Literal:
        return CATEGORICAL
    if field.annotation is int:
        return INTEGER
    if field.annotation is float:
        return CONTINUOUS
    raise TypeError(f"unsupported hyperparameter type {field.annotation!r}")


def bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """The documented (min, max) from the Field's ge/gt/le/lt constraints; None where open."""
    low = high = None
    for item in field.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        low = getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
        high = getattr(item, "lt", None) if getattr(item, "lt", None) is not None else high
    return low, high


def choices(field: FieldInfo) -> list[str]:
    """The allowed strings of a categorical hyperparameter."""
    if field.annotation is bool:
        return ["true", "false"]
    return [str(v) for v in typing.get_args(field.annotation)]


def is_tunable(field: FieldInfo) -> bool:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return bool(extra.get("tunable", False))


def format_value(value: Any) -> str:
    """Typed value -> the string Personalize shows (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def allowed(field: FieldInfo) -> str:
    """Human description of the allowed values, for error messages."""
    kind = kind_of(field)
    if kind == CATEGORICAL:
        return "one of " + ", ".join(repr(c) for c in choices(field))
    low, high = bounds(field)
    what = "an integer" if kind == INTEGER else "a number"
    if low is None and high is None:
        return what
    return f"{what} in [{'-inf' if low is None else low}, {'inf' if high is None else high}]"


def parse_value(name: str, field: FieldInfo, text: Any, where: str) -> Any:
    """One wire string -> typed value, or InvalidInputException naming parameter, value and range."""
    kind, raw = kind_of(field), str(text).strip()
    bad = InvalidInputException(
        f"Invalid value {text!r} for {name} in {where}: it must be {allowed(field)}."
    )
    if kind == CATEGORICAL:
        if field.annotation is bool:
            if raw.lower() not in ("true", "false"):
                raise bad
            return raw.lower() == "true"
        if raw not in choices(field):
            raise bad
        return raw
    try:
        value: Any = int(raw) if kind == INTEGER else float(raw)
    except ValueError:
        raise bad from None
    if isinstance(value, float) and not math.isfinite(value):
        raise bad
    low, high = bounds(field)
    if (low is not None and value < low) or (high is not None and value > high):
        raise bad
    return value


def parse_params(model: type[BaseModel], values: BaseModel | dict[str, Any] | None,
                 where: str = "the hyperparameters", elsewhere: tuple[type[BaseModel], str] | None = None
                 ) -> BaseModel:
    """The one parser of hyperparameters: Personalize's strings (or typed values, or a model) -> the recipe's
    typed model; unknown names are rejected with the known ones listed, bad values with their allowed range
    (InvalidInputException)."""
    if isinstance(values, model):
        return values
    if isinstance(values, BaseModel):
        values = values.model_dump()
    typed = {}
    for name, text in (values or {}).items():
        field = model.model_fields.get(name)
        if field is None:
            raise InvalidInputException(_unknown(model, name, where, elsewhere))
        typed[name] = parse_value(name, field, text, where)
    try:
        return model(**typed)
    except ValidationError as exc:
        raise InvalidInputException(f"Invalid {where}: {exc.errors()[0]['msg']}") from None


def _unknown(model: type[BaseModel], name: str, where: str, elsewhere: tuple[type[BaseModel], str] | None) -> str:
    if elsewhere and name in elsewhere[0].model_fields:
        return f"{name} is not allowed in {where}: it belongs in {elsewhere[1]}."
    known = ", ".join(sorted(model.model_fields)) or "none"
    return f"Unknown parameter {name!r} in {where}. This recipe accepts: {known}."


def to_strings(params: BaseModel) -> dict[str, str]:
    return {name: format_value(value) for name, value in params.model_dump().items()}


def default_strings(model: type[BaseModel]) -> dict[str, str]:
    return to_strings(model())


def default_ranges(model: type[BaseModel]) -> dict[str, list[dict[str, Any]]]:
    """DescribeAlgorithm's defaultHyperParameterRanges (snake_case), built from the Field constraints."""
    out: dict[str, list[dict[str, Any]]] = {
        "integer_hyper_parameter_ranges": [], "continuous_hyper_parameter_ranges": [],
        "categorical_hyper_parameter_ranges": [],
    }
    for name, field in model.model_fields.items():
        kind, tunable = kind_of(field), is_tunable(field)
        if kind == CATEGORICAL:
            out["categorical_hyper_parameter_ranges"].append(
                {"name": name, "values": choices(field), "is_tunable": tunable})
            continue
        low, high = bounds(field)
        out[f"{kind}_hyper_parameter_ranges"].append(
            {"name": name, "min_value": low, "max_value": high, "is_tunable": tunable})
    return out


def tunable_ranges(model: type[BaseModel]) -> dict[str, list[dict[str, Any]]]:
    """HPO's default search space: the tunable fields' documented ranges (default_ranges), in hpoConfig's
    snake_case range shape; a numeric field without both bounds is left out."""
    return {key: [{k: v for k, v in entry.items() if k != "is_tunable"} for entry in entries
                  if entry["is_tunable"] and entry.get("min_value", 0) is not None
                  and entry.get("max_value", 0) is not None]
            for key, entries in default_ranges(model).items()}
