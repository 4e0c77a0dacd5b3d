"""Import the modules that register task functions (each uses @jobs.task)."""
from __future__ import annotations

import importlib

TASK_MODULES: tuple[str, ...] = (
    "tastemaker.control._common",
)

for _name in TASK_MODULES:
    importlib.import_module(_name)
