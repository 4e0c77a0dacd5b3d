"""Every operation's input and output survive botocore's own serializer/parser and ours, both ways."""
from __future__ import annotations

import pytest
from botocore.parsers import create_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tastemaker import errors
from tastemaker.api import codec, dispatch
from tastemaker.api.app import handle
from tastemaker.api.routing import route
from tastemaker.api.spec import SERVICES, all_operations, service_model
from tastemaker.service import Service
from tastemaker.settings import Settings

from .shapes import botocore_request, minimal, snake, values

OPERATIONS = all_operations()
IDS = [f"{svc}:{op.name}" for svc, op in OPERATIONS]
FAST = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


def test_there_are_79_operations():
    assert len(OPERATIONS) == 79
    assert {svc for svc, _ in OPERATIONS} == set(SERVICES)


@pytest.mark.parametrize(("svc", "op"), OPERATIONS, ids=IDS)
@FAST
@given(data=st.data())
def test_request_parses_back_to_what_botocore_sent(svc, op, data):
    params = data.draw(values(op.input_shape)) if op.input_shape else {}
    request = botocore_request(svc, op, params)
    found = route(request["method"], request["url_path"], request["headers"].get("X-Amz-Target"))
    assert found is not None, f"no route for {request['method']} {request['url_path']}"
    assert found[0] == svc and found[1].name == op.name
    assert dispatch.parse_request(found[1], request["body"]) == (snake(op.input_shape, params) or {})


@pytest.mark.parametrize(("svc", "op"), OPERATIONS, ids=IDS)
@FAST
@given(data=st.data())
def test_response_parses_in_botocore_to_what_we_returned(svc, op, data):
    if op.output_shape is None:
        pytest.skip(f"{op.name} has no output")
    result = data.draw(values(op.output_shape))
    import orjson

    body = orjson.dumps(codec.serialize(op.output_shape, snake(op.output_shape, result)) or {})
    response = {"status_code": 200, "headers": {"x-amzn-requestid": "r-1"}, "body": body}
    parsed = create_parser(service_model(svc).protocol).parse(response, op.output_shape)
    parsed.pop("ResponseMetadata", None)
    assert parsed == result


def _error_cases() -> list[tuple[str, str, str]]:
    cases = []
    for svc in SERVICES:
        model = service_model(svc)
        op_name = model.operation_names[0]
        for shape in model.error_shapes:
            cases.append((svc, op_name, shape.name))
    return cases


@pytest.fixture
def service(tmp_path):
    svc = Service(Settings(data_dir=tmp_path / "data", executor="inline"))
    yield svc
    svc.close()


@pytest.mark.parametrize(("svc", "op_name", "code"), _error_cases())
def test_errors_parse_in_botocore_with_code_and_status(service, monkeypatch, svc, op_name, code):
    model = service_model(svc)
    op = model.operation_model(op_name)
    error_class = getattr(errors, code)

    def failing(ctx, **_):
        raise error_class(f"{code} raised on purpose")

    monkeypatch.setitem(dispatch.handlers(), op_name, failing)
    request = botocore_request(svc, op, minimal(op.input_shape) if op.input_shape else {})
    headers = {k.lower(): v for k, v in request["headers"].items()}
    status, out, body = handle(service, request["method"], request["url_path"], headers, request["body"])
    expected = model.shape_for(code).metadata.get("error", {}).get("httpStatusCode", 400)
    assert status == expected
    parsed = create_parser(model.protocol).parse({"status_code": status, "headers": out, "body": body}, op.output_shape)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == f"{code} raised on purpose"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == expected


def test_every_error_class_is_a_model_error_shape():
    shapes = {s.name for svc in SERVICES for s in service_model(svc).error_shapes}
    classes = {c.code for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ServiceError)}
    assert classes <= shapes


def test_botocore_client_raises_the_modelled_exception(personalize):
    arn = "arn:aws:personalize:us-east-1:000000000000:dataset-group/missing"
    with pytest.raises(personalize.exceptions.ResourceNotFoundException) as info:
        personalize.describe_dataset_group(datasetGroupArn=arn)
    assert arn in info.value.response["Error"]["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
