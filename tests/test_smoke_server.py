"""The real server answers GET / and a control-plane call through boto3."""
from __future__ import annotations

import json
import urllib.request


def test_root_page_and_a_control_plane_call(server):
    with urllib.request.urlopen(server.url + "/") as resp:
        assert resp.status == 200
        assert json.loads(resp.read())["service"] == "tastemaker"
    personalize = server.client("personalize")
    arn = personalize.create_dataset_group(name="smoke")["datasetGroupArn"]
    assert arn.endswith(":dataset-group/smoke")
    assert [g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]] == ["smoke"]
