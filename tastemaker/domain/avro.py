"""Personalize's Avro schema rules: generic checks at CreateSchema, dataset-type checks at CreateDataset."""
from __future__ import annotations

import json
import re
from typing import Any

from ..errors import InvalidInputException

Field = dict[str, Any]

PRIMITIVES = ("float", "double", "int", "long", "string", "boolean")
DATASET_TYPES = ("INTERACTIONS", "ITEMS", "USERS")
NOT_SUPPORTED_TYPES = ("ACTIONS", "ACTION_INTERACTIONS")

ID_FIELD = {"INTERACTIONS": "USER_ID", "ITEMS": "ITEM_ID", "USERS": "USER_ID"}
REQUIRED = {
    "INTERACTIONS": {"USER_ID": ("string",), "ITEM_ID": ("string",), "TIMESTAMP": ("long",)},
    "ITEMS": {"ITEM_ID": ("string",)},
    "USERS": {"USER_ID": ("string",)},
}
RESERVED = {
    "INTERACTIONS": {"EVENT_TYPE": ("string",), "EVENT_VALUE": ("float", "double"), "IMPRESSION": ("string",),
                     "RECOMMENDATION_ID": ("string",), "EVENT_ATTRIBUTION_SOURCE": ("string",)},
    "ITEMS": {"CREATION_TIMESTAMP": ("long",)},
    "USERS": {},
}
MAX_METADATA = {"INTERACTIONS": 5, "ITEMS": 100, "USERS": 25}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def field_type(field: Field) -> tuple[str, bool]:
    """(primitive type, nullable) of a checked field."""
    kind = field["type"]
    if isinstance(kind, list):
        return next(k for k in kind if k != "null"), "null" in kind
    return kind, False


def parse_schema(text: str) -> list[Field]:
    """Check the generic Avro rules Personalize applies; return the field dicts in schema order."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputException(f"The schema is not valid JSON: {exc}.") from None
    if not isinstance(doc, dict) or doc.get("type") != "record":
        raise InvalidInputException('The schema must be an Avro record: {"type": "record", "name": ..., "fields": [...]}.')
    fields = doc.get("fields")
    if not isinstance(fields, list) or not fields:
        raise InvalidInputException("The schema record must have a non-empty \"fields\" list.")
    seen: dict[str, str] = {}
    for field in fields:
        _check_field(field)
        key = field["name"].replace("_", "").upper()
        if key in seen:
            raise InvalidInputException(
                f"Fields {seen[key]} and {field['name']} clash: field names must be unique ignoring '_' and case.")
        seen[key] = field["name"]
    return fields


def _check_field(field: Any) -> None:
    if not isinstance(field, dict) or not isinstance(field.get("name"), str):
        raise InvalidInputException(f"Every schema field must be an object with a \"name\"; got {field!r}.")
    name, kind = field["name"], field.get("type")
    if not _NAME.fullmatch(name):
        raise InvalidInputException(f"Invalid field name {name!r}: letters, digits and '_' only.")
    types = kind if isinstance(kind, list) else [kind]
    if any(isinstance(t, (dict, list)) for t in types) or kind in ("array", "map", "record", "enum", "fixed"):
        raise InvalidInputException(f"Field {name}: arrays, maps and nested records are not supported; "
                                    "use a '|'-separated string with \"categorical\": true instead.")
    bad = [t for t in types if t not in PRIMITIVES and t != "null"]
    if bad:
        raise InvalidInputException(f"Field {name}: unsupported type {bad[0]!r}; use one of "
                                    f"{', '.join(PRIMITIVES)}, or a union with \"null\".")
    concrete = [t for t in types if t != "null"]
    if len(concrete) != 1 or len(types) > 2:
        raise InvalidInputException(f"Field {name}: type {kind!r} must be one type, or one type and \"null\".")
    for flag in ("categorical", "textual"):
        if field.get(flag) and concrete[0] != "string":
            raise InvalidInputException(f"Field {name}: \"{flag}\": true is only allowed on string fields.")


def check_for_dataset(fields: list[Field], dataset_type: str) -> None:
    """The rules that depend on the dataset type (required and reserved fields, textual, limits)."""
    by_name = {f["name"]: f for f in fields}
    for name, allowed in REQUIRED[dataset_type].items():
        field = by_name.get(name)
        if field is None:
            raise InvalidInputException(f"A {dataset_type} schema must have a field {name} of type {allowed[0]}.")
        kind, nullable = field_type(field)
        if kind not in allowed or nullable:
            raise InvalidInputException(f"Field {name} must be of type {allowed[0]} (not nullable); got {field['type']!r}.")
    for name, allowed in RESERVED[dataset_type].items():
        field = by_name.get(name)
        if field is not None and field_type(field)[0] not in allowed:
            raise InvalidInputException(f"Reserved field {name} must be of type {' or '.join(allowed)} "
                                        f"(optionally with null); got {field['type']!r}.")
    if by_name.get("EVENT_TYPE", {}).get("categorical"):
        raise InvalidInputException("Field EVENT_TYPE cannot be categorical.")
    textual = [f["name"] for f in fields if f.get("textual")]
    if textual and dataset_type != "ITEMS":
        raise InvalidInputException(f"Field {textual[0]}: textual fields are only allowed in an ITEMS schema.")
    if len(textual) > 1:
        raise InvalidInputException(f"At most one textual field is allowed; got {', '.join(textual)}.")
    metadata = [n for n in by_name if n not in REQUIRED[dataset_type] and n not in RESERVED[dataset_type]]
    if dataset_type in ("ITEMS", "USERS") and len(by_name) < 2:
        raise InvalidInputException(f"A {dataset_type} schema needs {ID_FIELD[dataset_type]} and at least one metadata field.")
    if len(metadata) > MAX_METADATA[dataset_type]:
        raise InvalidInputException(f"A {dataset_type} schema allows at most {MAX_METADATA[dataset_type]} metadata "
                                    f"fields; got {len(metadata)}.")


def normalize_dataset_type(value: str) -> str:
    upper = value.upper()
    if upper in NOT_SUPPORTED_TYPES:
        raise InvalidInputException(f"Dataset type {value} is not supported yet by Tastemaker; "
                                    "use Interactions, Items or Users.")
    if upper not in DATASET_TYPES:
        raise InvalidInputException(f"Invalid datasetType {value!r}: use Interactions, Items or Users.")
    return upper


def required_fields(dataset_type: str) -> set[str]:
    return set(REQUIRED[dataset_type])


def camel(name: str) -> str:
    """NUMBER_OF_RATINGS -> numberOfRatings (the keys of PutItems/PutUsers/PutEvents properties)."""
    head, *rest = name.lower().split("_")
    return head + "".join(p.capitalize() for p in rest)
