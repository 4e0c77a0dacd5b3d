"""GET /health: can this server reach its store and its lake? GET /ready: has it started (jobs resumed)?"""
from __future__ import annotations

import logging
from typing import Any

import pyarrow.fs as pafs

log = logging.getLogger(__name__)


def check_store(store: Any) -> None:
    store.max_event_id()  # one indexed MAX(): a real round trip to the database


def check_lake(lake: Any) -> None:
    if lake.is_local:
        found = lake.fs.get_file_info(lake.root).type
        if found != pafs.FileType.Directory:
            raise FileNotFoundError(f"the lake folder {lake.root} is missing ({found.name})")
        return
    bucket = lake.root.split("/", 1)[0]  # S3: the bucket must exist (a prefix exists once written to)
    if lake.fs.get_file_info(bucket).type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"the lake bucket {bucket} is missing")


def health(service: Any) -> tuple[int, dict[str, str]]:
    """200 {"status": "ok", "store": "ok", "lake": "ok"}, or 503 naming what failed (the reason goes to the log,
    not to the unauthenticated caller)."""
    body = {"status": "ok"}
    for name, check, backend in (("store", check_store, service.store), ("lake", check_lake, service.lake)):
        try:
            check(backend)
            body[name] = "ok"
        except Exception as exc:
            log.warning("health: the %s failed its check: %s: %s", name, type(exc).__name__, exc)
            body[name] = "failed"
            body["status"] = "failed"
    return (200 if body["status"] == "ok" else 503), body


def ready(service: Any) -> tuple[int, dict[str, str]]:
    if getattr(service, "_started", False):
        return 200, {"status": "ready"}
    return 503, {"status": "starting"}
