"""Progress reaches the job record throttled: a stage text that changes on every call (a row count) does not
turn each call into a store write, and a new stage is written within STAGE_EVERY."""
from __future__ import annotations

from types import SimpleNamespace

from tastemaker.jobs import runner


class Store:
    def __init__(self) -> None:
        self.writes: list[tuple[float, str | None]] = []

    def report_progress(self, job_id, owner, fraction, stage) -> bool:
        self.writes.append((fraction, stage))
        return True


def test_progress_writes_are_throttled_and_new_stages_are_written_soon(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(runner.time, "monotonic", lambda: clock[0])
    store = Store()
    progress = runner.Progress(SimpleNamespace(store=store), None, "arn", job_id=1, owner="me")
    monkeypatch.setattr(progress, "check_stop", lambda: None)
    progress.update(0.0, "reading the file: 0 rows")
    assert store.writes == [(0.0, "reading the file: 0 rows")]  # the first report is written at once
    for n in range(1, 1000):  # a thousand batches within 0.05 s: no more writes
        clock[0] += 0.00005
        progress.update(n / 1000, f"reading the file: {n:,} rows")
    assert len(store.writes) == 1
    clock[0] += runner.STAGE_EVERY  # a changed text is written once STAGE_EVERY has passed
    progress.update(0.5, "publishing")
    assert store.writes[-1] == (0.5, "publishing") and len(store.writes) == 2
    clock[0] += 0.01
    progress.update(0.6)  # same stage, too soon: nothing
    assert len(store.writes) == 2
    clock[0] += runner.REPORT_EVERY
    progress.update(0.7)  # the share done, every REPORT_EVERY; the stage is not rewritten
    assert store.writes[-1] == (0.7, None) and progress.stage == "publishing"
