"""Metadata store: a small Protocol and a registry keyed by URL scheme."""
from __future__ import annotations

from .base import Store


def open_store(url: str) -> Store:
    """Open the store a URL names: `sqlite:///path` or `postgresql://...` (SQLAlchemy Core for both)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme in ("sqlite", "postgresql"):
        from .sql import SqlStore

        return SqlStore(url)
    raise ValueError(f"Unsupported store URL {url!r}: use sqlite:///path or postgresql://...")


__all__ = ["Store", "open_store"]
