"""The web console: read-only, server-rendered HTML pages at /console, read straight from the store."""
from __future__ import annotations

from .pages import render

__all__ = ["render"]
