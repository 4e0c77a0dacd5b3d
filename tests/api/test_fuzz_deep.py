"""Random well-formed requests to every operation, aimed at real resources: the server never fails (no 5xx)."""
from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tastemaker
from tastemaker.api.app import handle
from tastemaker.api.spec import all_operations, service_model
from tastemaker.synthetic import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, generate

from .shapes import botocore_request, values

OPERATIONS = all_operations()
IDS = [f"{svc}:{op.name}" for svc, op in OPERATIONS]
# These change or remove the shared resources, write files, or train: they get random ARNs only.
NO_REAL_ARNS = ("Delete", "Update", "Stop", "Start", "CreateDataDeletionJob", "CreateSolutionVersion",
                "CreateBatch", "CreateDatasetExportJob")
EXPRESSIONS = ['EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
               'INCLUDE ItemID WHERE Items.GENRE IN ($GENRES)',
               'EXCLUDE ItemID WHERE Items.YEAR < $YEAR | INCLUDE ItemID WHERE Items.GENRE = "Comedy"']


def _wait(describe, key: str) -> dict:
    import time

    for _ in range(600):
        found = describe()[key]
        if found["status"] in ("ACTIVE", "CREATE FAILED"):
            return found
        time.sleep(0.05)
    raise AssertionError(f"{key} never finished")


def _build(p, folder) -> dict:
    paths = generate(n_users=50, n_items=60, n_interactions=1500, seed=2).write_csv(folder)
    group = p.create_dataset_group(name="deep")["datasetGroupArn"]
    arns = [group]
    for kind, schema in (("Interactions", INTERACTIONS_SCHEMA), ("Items", ITEMS_SCHEMA)):
        schema_arn = p.create_schema(name=f"deep-{kind}", schema=schema)["schemaArn"]
        dataset = p.create_dataset(name=f"deep-{kind}", schemaArn=schema_arn, datasetGroupArn=group,
                                   datasetType=kind)["datasetArn"]
        job = p.create_dataset_import_job(jobName=f"deep-{kind}", datasetArn=dataset, roleArn="arn:aws:iam::1:role/r",
                                          dataSource={"dataLocation": str(paths[kind.lower()])})
        arns += [schema_arn, dataset, job["datasetImportJobArn"]]
    for recipe in ("aws-user-personalization", "aws-sims", "aws-personalized-ranking"):
        solution = p.create_solution(name=f"deep-{recipe[4:]}", datasetGroupArn=group,
                                     recipeArn=f"arn:aws:personalize:::recipe/{recipe}")["solutionArn"]
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        assert _wait(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")["status"] == "ACTIVE"
        campaign = p.create_campaign(name=f"deep-{recipe[4:]}", solutionVersionArn=version)["campaignArn"]
        arns += [f"arn:aws:personalize:::recipe/{recipe}", solution, version, campaign]
    arns.append(p.create_filter(name="deep-filter", datasetGroupArn=group, filterExpression=EXPRESSIONS[1])["filterArn"])
    tracker = p.create_event_tracker(name="deep-tracker", datasetGroupArn=group)
    arns.append(tracker["eventTrackerArn"])
    return {"arns": arns, "tracking_id": tracker["trackingId"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deep")
    with tastemaker.embedded(folder / "data", executor="inline") as emb:
        built = _build(emb.personalize, folder / "csv")
        users = st.sampled_from([f"u{i}" for i in range(50)] + ["unknown-user"])
        items = st.sampled_from([f"i{i}" for i in range(60)] + ["unknown-item"])
        pools = {"Arn": st.sampled_from(built["arns"]), "UserID": users, "UserId": users, "ItemID": items,
                 "ItemId": items, "FilterExpression": st.sampled_from(EXPRESSIONS),
                 "trackingId": st.just(built["tracking_id"]),
                 "filterValues": st.just({"GENRES": '"Comedy","Drama"', "YEAR": "2000"})}
        arns = built["arns"]
        aimed = {**pools, "!name": st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
                 "!jobName": st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
                 "!datasetGroupArn": st.just(arns[0]), "!recommenderArn": None,
                 "!campaignArn": st.sampled_from([a for a in arns if ":campaign/" in a]),
                 "!trackingId": st.just(built["tracking_id"]),
                 "!solutionVersionArn": st.sampled_from([a for a in arns if a.count("/") == 2 and ":solution/" in a]),
                 "!solutionArn": st.sampled_from([a for a in arns if a.count("/") == 1 and ":solution/" in a]),
                 "!recipeArn": st.sampled_from([a for a in arns if ":recipe/" in a]),
                 "!datasetArn": st.sampled_from([a for a in arns if ":dataset/" in a]),
                 "!datasetType": st.sampled_from(["Interactions", "Items", "Users"]),
                 "!schema": st.sampled_from([INTERACTIONS_SCHEMA, ITEMS_SCHEMA]),
                 "filterArn": st.sampled_from([a for a in arns if ":filter/" in a]),
                 "!metadataColumns": None, "numResults": st.integers(0, 30), "!userId": users,
                 "promotions": st.lists(st.fixed_dictionaries({"name": st.just("promo")}, optional={
                     "percentPromotedItems": st.integers(1, 100),
                     "filterArn": st.sampled_from([a for a in arns if ":filter/" in a]),
                     "filterValues": st.just({"GENRES": '"Comedy"'})}), max_size=1),
                 "properties": st.sampled_from(['{"genre": "Comedy"}', '{"GENRE": "Drama", "YEAR": 1999}', "{}",
                                                '{"year": "nineteen"}', '{"eventValue": 3}'])}
        yield World(emb.service, pools, aimed)


class World:
    """The shared service and the value pools (a short repr keeps failure reports readable)."""

    def __init__(self, service, pools: dict, aimed: dict) -> None:
        self.service, self.pools, self.aimed = service, pools, aimed

    def __repr__(self) -> str:
        return "World(embedded service with a dataset group, 3 campaigns, a filter and an event tracker)"


def examples_for(svc: str) -> int:
    return 20 if svc == "personalize" else 150  # the data plane is cheap and has the most input combinations


@pytest.mark.parametrize(("svc", "op"), OPERATIONS, ids=IDS)
def test_random_requests_at_real_resources_never_fail_the_server(world, svc, op):
    if op.input_shape is None:
        return

    @settings(max_examples=examples_for(svc), deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def one_request(data):
        if op.name.startswith(NO_REAL_ARNS):
            chosen = None
        else:  # half the examples aimed squarely at the real resources, half loosely
            chosen = world.aimed if data.draw(st.booleans(), label="aimed") else world.pools
        params = data.draw(values(op.input_shape, pools=chosen), label="params")
        request = botocore_request(svc, op, params)
        headers = {k.lower(): v for k, v in request["headers"].items()}
        status, _, body = handle(world.service, request["method"], request["url_path"], headers, request["body"])
        assert status < 500, f"{op.name} -> {status} {body[:300]!r}"
        if status >= 400:
            error = orjson.loads(body)
            assert error["__type"] in {s.name for s in service_model(svc).error_shapes}, error

    one_request()
