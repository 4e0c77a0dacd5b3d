"""Status strings exactly as Personalize writes them (a space after CREATE/DELETE)."""
from __future__ import annotations

CREATE_PENDING = "CREATE PENDING"
CREATE_IN_PROGRESS = "CREATE IN_PROGRESS"
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
CREATE_STOPPING = "CREATE STOPPING"
CREATE_STOPPED = "CREATE STOPPED"
DELETE_PENDING = "DELETE PENDING"
DELETE_IN_PROGRESS = "DELETE IN_PROGRESS"

IN_FLIGHT = (CREATE_PENDING, CREATE_IN_PROGRESS)
"""A job or version still working: blocks deletion of what it reads."""
