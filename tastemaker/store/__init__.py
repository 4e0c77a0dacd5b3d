"""Metadata store: a small Protocol and a registry keyed by URL scheme."""
from __future__ import annotations

from .base import Store


def open_store(url: str) -> Store:
    """Open the store a URL names: `sqlite:///path` or `postgresql://...` (SQLAlchemy Core for both; a PostgreSQL
    URL without a driver uses psycopg 3, the `postgres` extra; SQLAlchemy 2.0 alone would pick psycopg2)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme in ("sqlite", "postgresql"):
        from .sql import SqlStore

        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return SqlStore(url)
    raise ValueError(f"Unsupported store URL {url!r}: use sqlite:///path or postgresql://...")


__all__ = ["Store", "open_store"]
