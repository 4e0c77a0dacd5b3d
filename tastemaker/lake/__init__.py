"""The lake: imported data as Parquet and model artifacts as files, on file:// or s3://."""
from __future__ import annotations

from .base import Lake, open_lake

__all__ = ["Lake", "open_lake"]
