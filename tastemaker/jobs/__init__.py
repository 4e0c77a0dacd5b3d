"""Long-running work: a job table in the store, task functions by kind, and executors that run them."""
from __future__ import annotations

from .runner import JobFailed, StopRequested, task

__all__ = ["JobFailed", "StopRequested", "task"]
