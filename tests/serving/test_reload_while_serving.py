"""A real `tastemaker serve`: while one group's histories rebuild after a new FULL import, another campaign and
/health are answered, and the rebuilding group serves its previous data (PutEvents applied) until the swap."""
from __future__ import annotations

import threading
import time
import urllib.request

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from tests import serving_setup as ss
from tests.conftest import Server
from tests.poc import INTERACTIONS_SCHEMA, wait_status

BIG_ROWS = 1_500_000  # enough that the rebuild takes a while: the test checks order, not speed


def _interactions(path, rows: int, seed: int, probe: list[str] = ()):
    """Numpy-made interactions (Zipf items, click/watch); then user "probe" clicks the `probe` items."""
    rng = np.random.default_rng(seed)
    users, items = rng.integers(0, max(50, rows // 30), rows), rng.zipf(1.3, rows) % max(100, rows // 100)

    def tagged(prefix: str, ids: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(ids), pa.string()), "")

    table = pa.table({"USER_ID": tagged("u", users), "ITEM_ID": tagged("i", items),
                      "TIMESTAMP": np.sort(1_600_000_000 + rng.integers(0, 10_000_000, rows)),
                      "EVENT_TYPE": np.where(rng.random(rows) < 0.7, "click", "watch")})
    if probe:
        table = pa.concat_tables([table, pa.table({
            "USER_ID": ["probe"] * len(probe), "ITEM_ID": list(probe),
            "TIMESTAMP": np.full(len(probe), 1_700_000_000), "EVENT_TYPE": ["click"] * len(probe)})])
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


def _import(p, dataset: str, path, name: str) -> None:
    job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, dataSource={"dataLocation": str(path)},
                                      roleArn="arn:aws:iam::000000000000:role/R")["datasetImportJobArn"]
    done = wait_status(p.describe_dataset_import_job, "datasetImportJob", timeout=600, datasetImportJobArn=job)
    assert done["status"] == "ACTIVE", done.get("failureReason")


def _group_b(p, tmp) -> dict[str, str]:
    """Interactions only, aws-popularity-count, a filter that hides clicked items, an event tracker."""
    group = p.create_dataset_group(name="big")["datasetGroupArn"]
    wait_status(p.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    schema = p.create_schema(name="big", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name="big", schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    wait_status(p.describe_dataset, "dataset", datasetArn=dataset)
    _import(p, dataset, _interactions(tmp / "small.csv", 3000, seed=1), "small")
    version = ss.train(p, group, "big-pop", "aws-popularity-count")["solution_version_arn"]
    return {"dataset": dataset, "campaign": ss.deploy(p, "big-pop", version),
            "filter": ss.make_filter(p, group, "unclicked",
                                     'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'),
            "tracking": p.create_event_tracker(name="big", datasetGroupArn=group)["trackingId"]}


class Others(threading.Thread):
    """GET /health and a GetRecommendations on the other campaign, one after the other, until stopped:
    (sent, answered) monotonic times of each."""

    def __init__(self, server: Server, campaign: str) -> None:
        super().__init__(daemon=True)
        self.server, self.campaign, self.stop = server, campaign, threading.Event()
        self.answers: list[tuple[str, float, float]] = []

    def run(self) -> None:
        rt = self.server.client("personalize-runtime")
        while not self.stop.is_set():
            sent = time.monotonic()
            with urllib.request.urlopen(self.server.url + "/health", timeout=120) as resp:
                assert resp.status == 200
            self.answers.append(("health", sent, time.monotonic()))
            sent = time.monotonic()
            assert len(rt.get_recommendations(campaignArn=self.campaign, userId="u1")["itemList"]) == 25
            self.answers.append(("other", sent, time.monotonic()))


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "data", env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}).start()
    yield srv
    srv.stop()


def test_a_group_rebuilding_after_a_full_import_blocks_no_one(server, tmp_path):
    p, rt, ev = server.client("personalize"), server.client("personalize-runtime"), server.client("personalize-events")
    group_a = ss.setup_group(p, tmp_path / "a")["dataset_group_arn"]
    campaign_a = ss.deploy(p, "a-pop", ss.train(p, group_a, "a-pop", "aws-popularity-count")["solution_version_arn"])
    b = _group_b(p, tmp_path)

    def ask(user: str) -> list[str]:
        got = rt.get_recommendations(campaignArn=b["campaign"], userId=user, filterArn=b["filter"])
        return [i["itemId"] for i in got["itemList"]]

    before = ask("probe")
    big = _interactions(tmp_path / "big.csv", BIG_ROWS, seed=2, probe=before)
    others = Others(server, campaign_a)
    others.start()
    _import(p, b["dataset"], big, "big")
    imported = time.monotonic()
    ev.put_events(trackingId=b["tracking"], userId="live", sessionId="live",
                  eventList=[{"eventType": "click", "itemId": before[0], "sentAt": time.time()}])
    served: list[tuple[str, float]] = []  # ("old" | "new", answered)
    deadline = imported + 300
    while not served or served[-1][0] == "old" or len(served) < 3 + [s for s, _ in served].index("new"):
        assert time.monotonic() < deadline, "the new import was never served"
        served.append(("old" if ask("probe") == before else "new", time.monotonic()))
        assert before[0] not in ask("live")  # PutEvents reach whichever version serves
    others.stop.set()
    others.join(120)

    kinds = [s for s, _ in served]
    swap = kinds.index("new")
    assert swap >= 1 and kinds[swap:] == ["new"] * (len(kinds) - swap)  # old until the swap, new from then on
    first_old, first_new = served[0][1], served[swap][1]
    during = [a for a in others.answers if first_old < a[2] < first_new]
    assert {"health", "other"} <= {kind for kind, _, _ in during}  # answered while the rebuild ran
    window = first_new - imported
    assert max(done - sent for _, sent, done in during) < window / 2  # nobody waited for the rebuild
