"""Generic nextToken/maxResults paging of List* results: opaque base64 offsets."""
from __future__ import annotations

import base64
import binascii

from botocore.model import OperationModel

from ..errors import InvalidNextTokenException

DEFAULT_PAGE = 100


def list_member(op: OperationModel) -> str | None:
    """The output member holding the list a List* operation pages over."""
    out = op.output_shape
    if out is None or "nextToken" not in out.members:
        return None
    lists = [name for name, shape in out.members.items() if shape.type_name == "list"]
    return lists[0] if len(lists) == 1 else None


def _decode(token: str, op_name: str) -> int:
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != op_name:
            raise ValueError(kind)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidNextTokenException(f"Invalid nextToken for {op_name}: {token!r}") from None


def _encode(offset: int, op_name: str) -> str:
    return base64.urlsafe_b64encode(f"{op_name}:{offset}".encode()).decode()


def page(op: OperationModel, items: list, next_token: str | None, max_results: int | None) -> tuple[list, str | None]:
    """Slice one page out of the full list; return it and the token for the next one."""
    start = _decode(next_token, op.name) if next_token else 0
    size = max_results or DEFAULT_PAGE
    end = start + size
    return items[start:end], (_encode(end, op.name) if end < len(items) else None)
