"""Logs (one structured line per request and per job transition) and Prometheus metrics (a registry per service)."""
from __future__ import annotations

from .logs import configure_logging, log_job, log_request
from .metrics import Metrics, metrics_of

__all__ = ["Metrics", "configure_logging", "log_job", "log_request", "metrics_of"]
