"""The console's request and reply types, and its static files (stylesheet, script, the charting library)."""
from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import orjson


@dataclass(frozen=True)
class Request:
    """One GET under /console: its path, its query (first value of each name) and how to reach the store."""

    path: str
    query: Mapping[str, str]
    account_id: str | None
    region: str
    """The region of the overview (`?region=`, else the server's default); a resource page uses its ARN's."""
    context: Callable[[str | None], Any]
    """A region (None: the server's default) -> the Context of this account in that region."""

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


def html(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode())


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status, orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), "application/json",
                 {"cache-control": "no-store"})


STATIC = frozenset({"console.css", "console.js", "chart.umd.min.js", "chart.js.LICENSE.txt"})


def static(name: str) -> Reply | None:
    """A file shipped in tastemaker/console/static (a fixed list: nothing else on disk is reachable)."""
    if name not in STATIC:
        return None
    body = resources.files(__package__).joinpath("static", name).read_bytes()
    kind = mimetypes.guess_type(name)[0] or "text/plain"
    if kind.startswith("text/") or kind.endswith("javascript"):
        kind += "; charset=utf-8"
    return Reply(200, body, kind, {"cache-control": "public, max-age=3600"})
