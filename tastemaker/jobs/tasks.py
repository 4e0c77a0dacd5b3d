"""Import the modules that register task functions (each uses @jobs.task)."""
from __future__ import annotations

import importlib

TASK_MODULES: tuple[str, ...] = (
    "tastemaker.control._common",
    "tastemaker.control.campaigns",
    "tastemaker.control.batch_jobs",
    "tastemaker.control.imports",
    "tastemaker.control.exports",
    "tastemaker.control.data_deletion",
    "tastemaker.training.job",
)

for _name in TASK_MODULES:
    importlib.import_module(_name)
