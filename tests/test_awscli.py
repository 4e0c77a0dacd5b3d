"""The AWS CLI, unchanged, against a real `tastemaker serve`."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest


def aws_command() -> list[str]:
    if importlib.util.find_spec("awscli") is not None:
        return [sys.executable, "-m", "awscli"]
    found = shutil.which("aws")
    if found is None:
        pytest.skip("the AWS CLI is not installed (pip install awscli)")
    return [found]


def aws(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*aws_command(), *args, "--output", "json"], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def aws_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    return env


def test_aws_cli_creates_and_lists_dataset_groups(server, aws_env):
    made = aws("personalize", "create-dataset-group", "--name", "from-cli", "--endpoint-url", server.url, env=aws_env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["datasetGroupArn"].endswith(":dataset-group/from-cli")
    listed = aws("personalize", "list-dataset-groups", "--endpoint-url", server.url, env=aws_env)
    assert listed.returncode == 0, listed.stderr
    assert [g["name"] for g in json.loads(listed.stdout)["datasetGroups"]] == ["from-cli"]


def test_aws_cli_reads_the_standard_endpoint_variable_and_reports_errors(server, aws_env):
    env = {**aws_env, "AWS_ENDPOINT_URL_PERSONALIZE": server.url}
    listed = aws("personalize", "list-dataset-groups", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["datasetGroups"] == []
    missing = "arn:aws:personalize:us-east-1:000000000000:dataset-group/nope"
    failed = aws("personalize", "describe-dataset-group", "--dataset-group-arn", missing, env=env)
    assert failed.returncode != 0
    assert "ResourceNotFoundException" in failed.stderr and missing in failed.stderr
