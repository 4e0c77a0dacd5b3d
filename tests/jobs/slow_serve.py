"""`tastemaker serve` whose dataset import jobs take minutes, so a test can kill the server mid-job."""
from __future__ import annotations

import time

from tastemaker.jobs import runner, tasks  # noqa: F401  (registers the real tasks first)


def slow_activation(ctx, arn, payload, progress):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress.update(0.5)
        time.sleep(0.05)
    return None


spec = runner.TASKS["dataset_import"]
runner.TASKS["dataset_import"] = runner.Task(spec.kind, spec.resource_kind, slow_activation, spec.statuses, spec.lane)

if __name__ == "__main__":
    from tastemaker.cli import main

    main()
