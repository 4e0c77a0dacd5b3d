"""Invalid requests to every operation, built from the model: never a 5xx, only modelled error shapes."""
from __future__ import annotations

import orjson
import pytest

from tastemaker.api.app import handle
from tastemaker.api.spec import all_operations, service_model
from tastemaker.service import Service
from tastemaker.settings import Settings

from .shapes import botocore_request, full, minimal, mutations

OPERATIONS = all_operations()
IDS = [f"{svc}:{op.name}" for svc, op in OPERATIONS]
BROKEN_BODIES = [b"{not json", b"[]", b'"text"', b"1", b"null", b"\xff\xfe", b'{"a":']


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(Settings(data_dir=tmp_path_factory.mktemp("fuzz"), executor="inline"))
    svc.start()
    yield svc
    svc.close()


def requests_for(svc: str, op) -> list[tuple[str, bytes]]:
    """(description, body) of model-generated invalid requests to one operation."""
    cases = [(f"body {body[:10]!r}", body) for body in BROKEN_BODIES]
    shape = op.input_shape
    if shape is None:
        return cases
    if shape.required_members:
        cases.append(("empty object", b"{}"))
    cases.append(("unknown member only", orjson.dumps({"noSuchMember": 1, **minimal(shape)})))
    for where, bad in mutations(shape, full(shape)):
        cases.append((where, orjson.dumps(bad)))
    return cases


def send(service: Service, svc: str, op, body: bytes) -> tuple[int, dict, bytes]:
    template = botocore_request(svc, op, minimal(op.input_shape) if op.input_shape else {})
    headers = {k.lower(): v for k, v in template["headers"].items()}
    return handle(service, template["method"], template["url_path"], headers, body)


@pytest.mark.parametrize(("svc", "op"), OPERATIONS, ids=IDS)
def test_invalid_requests_get_modelled_client_errors(service, svc, op):
    allowed = {shape.name for shape in service_model(svc).error_shapes}
    problems = []
    for what, body in requests_for(svc, op):
        status, headers, payload = send(service, svc, op, body)
        if status >= 500:
            problems.append(f"{what}: HTTP {status} {payload[:200]!r}")
        elif status >= 400:
            error = orjson.loads(payload)
            if error.get("__type") not in allowed or not error.get("message"):
                problems.append(f"{what}: error {error} is not one of {sorted(allowed)}")
            elif headers.get("x-amzn-errortype") != error["__type"]:
                problems.append(f"{what}: x-amzn-errortype {headers.get('x-amzn-errortype')} != {error['__type']}")
    assert not problems, f"{op.name}: {len(problems)} bad answers:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize(("svc", "op"), OPERATIONS, ids=IDS)
def test_structurally_broken_requests_are_rejected(service, svc, op):
    """A body that is not a JSON object, or that misses a required member, must be a 400 InvalidInputException."""
    cases = [(f"body {b[:10]!r}", b) for b in BROKEN_BODIES[:5] + BROKEN_BODIES[6:]]
    if op.input_shape is not None and op.input_shape.required_members:
        cases.append(("empty object", b"{}"))
    for what, body in cases:
        status, _, payload = send(service, svc, op, body)
        assert status == 400, f"{op.name} {what}: HTTP {status} {payload[:200]!r}"
        assert orjson.loads(payload)["__type"] == "InvalidInputException", what


def test_validation_message_names_every_problem():
    from tastemaker.api import dispatch
    from tastemaker.errors import InvalidInputException

    model = service_model("personalize").operation_model("CreateDatasetGroup")
    with pytest.raises(InvalidInputException) as info:
        dispatch.parse_request(model, orjson.dumps({"name": "a" * 70, "roleArn": 5}))
    message = info.value.message
    assert message.startswith("2 validation errors detected")
    assert "input.name" in message and "valid max length: 63" in message and "roleArn" in message
    with pytest.raises(InvalidInputException, match="1 validation error detected: Missing required parameter"):
        dispatch.parse_request(model, b"{}")


@pytest.mark.parametrize(("path", "target", "body", "content_type"), [
    ("/", "AmazonPersonalize.CreateDatasetGroup", b"{not json", "application/x-amz-json-1.1"),
    ("/", "AmazonPersonalize.ListDatasetGroups", b'{"maxResults": "ten"}', "application/x-amz-json-1.1"),
    ("/recommendations", None, b"[]", "application/json"),
    ("/personalize-ranking", None, b'{"campaignArn": 5}', "application/json"),
    ("/events", None, b"{}", "application/json"),
])
def test_broken_requests_over_real_http(server, path, target, body, content_type):
    import urllib.error
    import urllib.request

    headers = {"Content-Type": content_type, **({"X-Amz-Target": target} if target else {})}
    request = urllib.request.Request(server.url + path, data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    answer = info.value
    assert answer.code == 400
    error = orjson.loads(answer.read())
    assert error["__type"] == "InvalidInputException" and error["message"]
    assert answer.headers["x-amzn-errortype"] == "InvalidInputException"
    assert answer.headers["x-amzn-requestid"]
