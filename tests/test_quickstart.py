"""`tastemaker quickstart` end to end, as a user runs it: import, train three recipes, deploy, recommend."""
from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import tastemaker
from tastemaker.cli import console_url
from tastemaker.quickstart import (
    RECIPES,
    Run,
    console_progress,
    job_from_console,
    metrics_table,
    time_left,
    wait,
)
from tests.conftest import Server

METRICS = ("coverage", "mean_reciprocal_rank_at_25", "normalized_discounted_cumulative_gain_at_10",
           "precision_at_5")


def test_quickstart_runs_the_whole_workflow(tmp_path):
    data = tmp_path / "qs"
    # progress bars on (the default), but stdout and stderr are pipes, not a terminal
    done = subprocess.run([sys.executable, "-m", "tastemaker", "quickstart", "--users", "40", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "\r" not in out + done.stderr and "%|" not in out + done.stderr  # no bar drawn into a pipe
    assert re.search(r"Generated \d+ interactions of 40 users on 80 items", out)
    for metric in METRICS:
        assert re.search(rf"^{metric}\s+(0|1)\.\d{{4}}\s", out, re.MULTILINE), f"{metric} missing from:\n{out}"
    recommended = re.search(r"Recommended for user (u\d+): (.*)", out)
    assert recommended and len(recommended.group(2).split(", ")) == 10
    assert re.search(r"Items like i\d+ \(\w[\w-]*\): i\d+ \(", out)
    with tastemaker.embedded(data, executor="inline") as emb:  # what it left behind is all ACTIVE
        p = emb.personalize
        assert [c["status"] for c in p.list_campaigns()["campaigns"]] == ["ACTIVE"] * 3
        recipes = {p.describe_solution(solutionArn=s["solutionArn"])["solution"]["recipeArn"].rsplit("/", 1)[1]
                   for s in p.list_solutions()["solutions"]}
        assert recipes == set(RECIPES)
        group = p.list_dataset_groups()["datasetGroups"][0]["name"]
    # it ends on how to see what it made: the command for its folder (run it) and the console's address
    ending = out.strip().splitlines()[-3:]
    assert ending[0] == "To see it all in the console, run", out
    command = shlex.split(ending[1])
    assert command[:3] == ["tastemaker", "serve", "--data-dir"] and len(command) == 4
    assert ending[2] == f"and open {console_url('127.0.0.1', 8080)}" == "and open http://127.0.0.1:8080/console"
    server = Server(Path(command[3])).start()
    try:
        with urllib.request.urlopen(server.url + "/console", timeout=10) as resp:
            assert group in resp.read().decode()
    finally:
        server.stop()


def test_metrics_table_lines_up_recipes_and_metrics():
    table = metrics_table({"aws-sims": {"coverage": 0.5, "precision_at_5": 0.01234},
                           "aws-user-personalization": {"coverage": 0.25}})
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "sims", "user-personalization"]
    assert lines[1].split() == ["coverage", "0.5000", "0.2500"]
    assert lines[2].split() == ["precision_at_5", "0.0123", "-"]


def test_quickstart_against_a_running_server(server, tmp_path):
    done = subprocess.run([sys.executable, "-m", "tastemaker", "quickstart", "--users", "30", "--endpoint-url",
                           server.url, "--data-dir", str(tmp_path / "qs"), "--no-progress"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Recommended for user" in done.stdout
    names = [g["name"] for g in server.client("personalize").list_dataset_groups()["datasetGroups"]]
    assert len(names) == 1 and names[0].startswith("quickstart-")
    assert (tmp_path / "qs" / "csv" / "interactions.csv").exists()
    assert done.stdout.strip().splitlines()[-1] == f"See it all in the console: {server.url}/console"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def statuses(*names: str):
    """A Describe* stand-in answering these statuses in turn (then the last one)."""
    answers = iter(names)
    last = {}

    def describe() -> dict:
        last["status"] = next(answers, last.get("status"))
        return dict(last)
    return describe


def test_bars_show_the_jobs_fraction_and_time_left_on_a_terminal():
    screen = Terminal()
    record = {"state": "running", "progress": 0.4, "started": time.time() - 20, "stage": "tuning"}
    run = Run(None, None, print, bar_file=screen, job_progress=lambda arn: record if arn == "arn:x" else None)
    found = wait(run, "training x", statuses("CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "ACTIVE"), "arn:x")
    assert found["status"] == "ACTIVE"
    drawn = screen.getvalue()
    assert "training x:  40%|" in drawn and "(tuning)" in drawn, drawn
    assert re.search(r"00:2\d elapsed, ~00:(29|3\d) left", drawn), drawn  # 20 s for 40%: 30 s to go


def test_bars_fall_back_to_the_status_without_a_job_record():
    screen = Terminal()
    run = Run(None, None, print, bar_file=screen)  # no job record to read
    wait(run, "training x", statuses("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"), "arn:x")
    assert "training x: CREATE IN_PROGRESS [00:00]" in screen.getvalue()
    waiting = Terminal()
    run = Run(None, None, print, bar_file=waiting, job_progress=lambda arn: {"state": "pending", "progress": None})
    wait(run, "training x", statuses("CREATE PENDING", "ACTIVE"), "arn:x")
    assert "training x: waiting for a worker" in waiting.getvalue()


def test_bars_stay_quiet_off_a_terminal_or_when_turned_off():
    for screen, progress in ((io.StringIO(), True), (Terminal(), False)):
        run = Run(None, None, print, bar_file=screen, progress=progress,
                  job_progress=lambda arn: {"state": "running", "progress": 0.5, "started": time.time()})
        wait(run, "training x", statuses("CREATE IN_PROGRESS", "ACTIVE"), "arn:x")
        assert screen.getvalue() == ""


def test_a_failing_job_read_never_stops_the_quickstart():
    def broken(arn):
        raise RuntimeError("no such column: jobs.progress")
    run = Run(None, None, print, bar_file=Terminal(), job_progress=broken)
    assert wait(run, "x", statuses("CREATE IN_PROGRESS", "ACTIVE"), "arn:x")["status"] == "ACTIVE"
    assert run.job_progress is None


def test_time_left_follows_the_pace_so_far():
    assert time_left(0.25, 10.0) == 30.0
    assert time_left(1.0, 10.0) == 0.0
    assert time_left(0.0, 10.0) is None and time_left(None, 10.0) is None and time_left(0.5, 0.2) is None


def test_console_url():
    assert console_url("127.0.0.1", 8080) == "http://127.0.0.1:8080/console"
    assert console_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/console"
    assert console_url("::1", 8080) == "http://[::1]:8080/console"


def test_a_running_servers_jobs_are_read_through_its_console(server):
    assert job_from_console({"running": True, "queued": False, "progress": 0.25, "elapsed": 10.0, "stage": "tuning"},
                            now=100.0) == {"state": "running", "progress": 0.25, "stage": "tuning", "started": 90.0}
    assert job_from_console({"running": True, "queued": True, "progress": None}) == {"state": "pending",
                                                                                        "progress": None}
    assert job_from_console({"running": False, "status": "ACTIVE"}) is None and job_from_console(None) is None
    p = server.client("personalize")
    group = p.create_dataset_group(name="read-through-console")["datasetGroupArn"]
    read = console_progress(server.url)
    assert read(group) is None  # ACTIVE: nothing running
    assert read(group.replace("read-through-console", "nothing-here")) is None
