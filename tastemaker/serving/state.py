"""What one process keeps to serve requests fast: loaded models, campaign records, histories, rankings, item
metadata, filter records, loads in flight, change counters and the event writer. One per service (the
Context's `serving`), shared by its requests and jobs; owned by this package: other packages call serving's
functions (forget_model, forget_campaign, bump, ...) rather than reach in."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class ServingState:
    answers_requests: bool = False
    """This process serves requests (a Ray worker's service does not: it need not reload what it never serves)."""
    models: dict[str, Any] = field(default_factory=dict)
    """Solution version ARN -> its ServedModel (serving/models.py)."""
    model_failures: dict[str, float] = field(default_factory=dict)
    """Solution version ARN -> when its model last failed to load (monotonic seconds)."""
    campaigns: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    """Campaign ARN -> (when read, record), kept briefly."""
    histories: dict[str, Any] = field(default_factory=dict)
    """Dataset group ARN -> its users' histories slot (serving/histories.py)."""
    rankings: OrderedDict = field(default_factory=OrderedDict)
    """A bounded LRU of whole-catalogue rankings per user/item and history state (serving/rankings.py)."""
    loads: dict[str, Any] = field(default_factory=dict)
    """Load key -> the background load in flight (serving/loading.py)."""
    filter_records: dict[str, Any] = field(default_factory=dict)
    """Filter ARN -> (when read, compiled filter), kept briefly (serving/masks.py)."""
    columns: dict[str, dict[str, Any]] = field(default_factory=lambda: {"ITEMS": {}, "USERS": {}})
    """"ITEMS" | "USERS" -> dataset group ARN -> its metadata columns (serving/items.py)."""
    signals: dict[str, int] = field(default_factory=dict)
    """Change counters: writers bump them, caches compare them (serving/signals.py)."""
    tracker_groups: dict[str, str] = field(default_factory=dict)
    """trackingId -> the dataset group of its event tracker (trackers never move)."""
    event_writer: Any = None
    """The process-wide group-commit writer of PutEvents (serving/event_writer.py)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Guards the creation of what is made on first use (the event writer)."""
