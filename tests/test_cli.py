"""The `tastemaker` command line: commands, options and the settings they print."""
from __future__ import annotations

import csv

from click.testing import CliRunner

from tastemaker import __version__
from tastemaker.cli import cli


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "quickstart", "synthetic", "settings"):
        assert command in result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_settings_reflect_the_environment(tmp_path):
    result = CliRunner().invoke(cli, ["settings"], env={"TASTEMAKER_DATA_DIR": str(tmp_path), "TASTEMAKER_PORT": "9191"})
    assert result.exit_code == 0, result.output
    assert f"TASTEMAKER_DATA_DIR={tmp_path}" in result.output
    assert "TASTEMAKER_PORT=9191" in result.output
    assert f"# store: sqlite:///{tmp_path}/tastemaker.db" in result.output


def test_synthetic_writes_personalize_csvs(tmp_path):
    result = CliRunner().invoke(cli, ["synthetic", str(tmp_path), "--users", "20", "--items", "30",
                                      "--interactions", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "interactions.csv").open()))
    assert 250 <= len(rows) <= 350 and set(rows[0]) == {"USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"}
    assert len(list(csv.DictReader((tmp_path / "items.csv").open()))) == 30


def test_serve_options_are_documented():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--data-dir", "--executor", "--log-level"):
        assert option in result.output


def test_quickstart_rejects_too_few_users():
    result = CliRunner().invoke(cli, ["quickstart", "--users", "5"])
    assert result.exit_code == 2 and "--users" in result.output


def test_serve_names_a_bad_executor_or_store_url_without_a_traceback(tmp_path):
    for args, message in ((["--executor", "ray:head"], "the Ray executor is 'ray' (local) or 'ray://host:port'"),
                          (["--executor", "celery"], "Unknown executor 'celery'")):
        result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), *args])
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path)], env={"TASTEMAKER_STORE_URL": "mysql://x"})
    assert result.exit_code == 1 and "Unsupported store URL 'mysql://x'" in result.output
