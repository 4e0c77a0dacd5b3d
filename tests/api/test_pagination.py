"""List* paging through boto3 paginators: more than one default page, maxResults, forged tokens."""
from __future__ import annotations

import base64

import pytest

import tastemaker


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """105 dataset groups (more than one default page of 100), shared by the read-only tests below."""
    with tastemaker.embedded(tmp_path_factory.mktemp("paging"), executor="inline") as emb:
        names = [f"group-{i:03d}" for i in range(105)]
        for name in names:
            emb.personalize.create_dataset_group(name=name)
        yield emb.personalize, names


@pytest.fixture
def groups(loaded):
    return loaded[1]


@pytest.fixture
def client(loaded):
    return loaded[0]


def test_paginator_walks_every_page_in_creation_order(client, groups):
    personalize = client
    pages = list(personalize.get_paginator("list_dataset_groups").paginate())
    assert [len(p["datasetGroups"]) for p in pages] == [100, 5]
    assert [g["name"] for p in pages for g in p["datasetGroups"]] == groups
    assert "nextToken" in pages[0] and "nextToken" not in pages[-1]


def test_max_results_sets_the_page_size(client, groups):
    personalize = client
    pages = list(personalize.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 40}))
    assert [len(p["datasetGroups"]) for p in pages] == [40, 40, 25]
    first = personalize.list_dataset_groups(maxResults=7)
    second = personalize.list_dataset_groups(maxResults=7, nextToken=first["nextToken"])
    assert [g["name"] for g in first["datasetGroups"] + second["datasetGroups"]] == groups[:14]


def test_max_items_stops_early_and_resumes(client, groups):
    personalize = client
    paginator = personalize.get_paginator("list_dataset_groups")
    head = paginator.paginate(PaginationConfig={"MaxItems": 30, "PageSize": 20}).build_full_result()
    assert [g["name"] for g in head["datasetGroups"]] == groups[:30]
    rest = paginator.paginate(PaginationConfig={"StartingToken": head["NextToken"]}).build_full_result()
    assert [g["name"] for g in rest["datasetGroups"]] == groups[30:]


@pytest.mark.parametrize("token", [
    "garbage", base64.urlsafe_b64encode(b"ListSchemas:10").decode(), base64.urlsafe_b64encode(b"nonsense").decode(),
])
def test_forged_token_is_invalid_next_token(personalize, token):
    personalize.create_dataset_group(name="one")
    with pytest.raises(personalize.exceptions.InvalidNextTokenException):
        personalize.list_dataset_groups(nextToken=token)
