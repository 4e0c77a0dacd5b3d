"""SigV4 against a real `tastemaker serve` with a credentials file: boto3, the AWS CLI, raw and presigned requests."""
from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import tastemaker
from tastemaker.api.auth import Verifier, load_credentials
from tests.conftest import Server, free_port, wait_for
from tests.test_awscli import aws

CREDENTIALS = """
[AKIDADMIN]
secret_access_key = "admin-secret"
account_id = "111122223333"

[AKIDREADER]
secret_access_key = "reader-secret"
account_id = "444455556666"
allowed_actions = ["personalize:List*", "personalize-runtime:GetRecommendations"]
"""
LIST_GROUPS = {"X-Amz-Target": "AmazonPersonalize.ListDatasetGroups", "Content-Type": "application/x-amz-json-1.1"}


@pytest.fixture(scope="module")
def credentials_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "credentials.toml"
    path.write_text(CREDENTIALS)
    return path


@pytest.fixture(scope="module")
def secured(tmp_path_factory, credentials_file):
    srv = Server(tmp_path_factory.mktemp("secured"), {"TASTEMAKER_CREDENTIALS_FILE": str(credentials_file)}).start()
    yield srv
    srv.stop()


def client(server: Server, name: str, key: str = "AKIDADMIN", secret: str = "admin-secret", region="us-east-1"):
    return boto3.client(name, endpoint_url=server.url, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def code_of(call) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as err:
        call()
    error = err.value.response["Error"]
    return error["Code"], error["Message"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]


def raw(server: Server, method: str, target: str, headers: dict[str, str], body: bytes = b"{}"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def signed(server: Server, signer_cls=SigV4Auth, service="personalize", secret="admin-secret", body=b"{}", **kw):
    request = AWSRequest(method="POST", url=server.url + "/", headers=dict(LIST_GROUPS), data=body)
    signer_cls(Credentials("AKIDADMIN", secret), service, "us-east-1", **kw).add_auth(request)
    return request


def send(server: Server, request: AWSRequest, body: bytes | None = None):
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return raw(server, request.method, target, dict(request.headers.items()), request.body if body is None else body)


def test_signed_requests_pass_for_all_three_services(secured):
    personalize = client(secured, "personalize")
    arn = personalize.create_dataset_group(name="signed")["datasetGroupArn"]
    assert arn == "arn:aws:personalize:us-east-1:111122223333:dataset-group/signed"  # the key's account
    assert [g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]] == ["signed"]
    runtime, events = client(secured, "personalize-runtime"), client(secured, "personalize-events")
    missing = "arn:aws:personalize:us-east-1:111122223333:campaign/nope"
    assert code_of(lambda: runtime.get_recommendations(campaignArn=missing, userId="u"))[0] == \
        "ResourceNotFoundException"
    assert code_of(lambda: events.put_events(trackingId="nope", sessionId="s", eventList=[
        {"sentAt": 1, "eventType": "click", "itemId": "1"}]))[0] == "ResourceNotFoundException"


def test_wrong_secret_and_unknown_key(secured):
    code, message, status = code_of(client(secured, "personalize", secret="wrong").list_dataset_groups)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith("The request signature we calculated does not match the signature you provided.")
    code, message, status = code_of(client(secured, "personalize", key="AKIDNOBODY").list_dataset_groups)
    assert (code, message, status) == ("UnrecognizedClientException",
                                       "The security token included in the request is invalid.", 403)
    runtime = client(secured, "personalize-runtime", secret="wrong")
    assert code_of(lambda: runtime.get_recommendations(campaignArn="arn:x", userId="u"))[0] == \
        "InvalidSignatureException"


def test_unsigned_and_non_sigv4_requests_fail(secured):
    status, headers, body = raw(secured, "POST", "/", LIST_GROUPS)
    assert (status, body["__type"]) == (403, "MissingAuthenticationTokenException")
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    status, _, body = raw(secured, "POST", "/", {**LIST_GROUPS, "Authorization": "Bearer nonsense"})
    assert (status, body["__type"]) == (400, "IncompleteSignatureException")
    status, _, body = raw(secured, "POST", "/events", {"Content-Type": "application/json"})
    assert (status, body["__type"]) == (403, "MissingAuthenticationTokenException")


def test_expired_and_future_signatures_fail(secured, monkeypatch):
    personalize = client(secured, "personalize")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now - dt.timedelta(minutes=20))
    code, message, status = code_of(personalize.list_dataset_groups)
    assert (code, status) == ("InvalidSignatureException", 403) and message.startswith("Signature expired: ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now + dt.timedelta(minutes=20))
    code, message, _ = code_of(personalize.list_dataset_groups)
    assert code == "InvalidSignatureException" and message.startswith("Signature not yet current: ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now - dt.timedelta(minutes=10))
    assert personalize.list_dataset_groups()["ResponseMetadata"]["HTTPStatusCode"] == 200  # within the skew


def test_signature_for_another_service_or_region_or_body_fails(secured):
    status, _, body = send(secured, signed(secured, service="s3"))
    assert (status, body["__type"]) == (403, "InvalidSignatureException")
    assert body["message"].startswith("Credential should be scoped to correct service: 'personalize'.")
    status, _, body = send(secured, signed(secured), body=b'{"maxResults": 1}')  # body changed after signing
    assert (status, body["__type"]) == (403, "InvalidSignatureException")
    status, _, body = send(secured, signed(secured))
    assert status == 200 and "datasetGroups" in body
    other = client(secured, "personalize", region="eu-west-1")
    assert other.create_dataset_group(name="west")["datasetGroupArn"].startswith(
        "arn:aws:personalize:eu-west-1:111122223333:")


def test_presigned_requests(secured):
    status, _, body = send(secured, signed(secured, SigV4QueryAuth, expires=60))
    assert status == 200 and "datasetGroups" in body
    status, _, body = send(secured, signed(secured, SigV4QueryAuth, secret="wrong", expires=60))
    assert (status, body["__type"]) == (403, "InvalidSignatureException")
    request = signed(secured, SigV4QueryAuth, expires=1)
    time.sleep(2.1)
    status, _, body = send(secured, request)
    assert (status, body["__type"]) == (403, "InvalidSignatureException") and "expired" in body["message"]


def test_allowed_actions_are_enforced(secured):
    reader = {"key": "AKIDREADER", "secret": "reader-secret"}
    assert client(secured, "personalize", **reader).list_dataset_groups()["datasetGroups"] == []  # its own account
    code, message, status = code_of(lambda: client(secured, "personalize", **reader).create_dataset_group(name="x"))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message.endswith("is not authorized to perform: personalize:CreateDatasetGroup")
    runtime = client(secured, "personalize-runtime", **reader)
    assert code_of(lambda: runtime.get_recommendations(campaignArn="arn:aws:personalize:us-east-1:444455556666:"
                                                                   "campaign/nope", userId="u"))[0] == \
        "ResourceNotFoundException"
    events = client(secured, "personalize-events", **reader)
    code, _, status = code_of(lambda: events.put_events(trackingId="t", sessionId="s", eventList=[
        {"sentAt": 1, "eventType": "click", "itemId": "1"}]))
    assert (code, status) == ("AccessDeniedException", 403)


def test_console_needs_basic_auth_and_health_stays_open(secured):
    def get(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", secured.port, timeout=10)
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}

    status, headers = get("/console", {})
    assert status == 401 and headers["www-authenticate"].startswith("Basic ")
    wrong = base64.b64encode(b"AKIDADMIN:nope").decode()
    assert get("/console", {"Authorization": f"Basic {wrong}"})[0] == 401
    right = base64.b64encode(b"AKIDADMIN:admin-secret").decode()
    assert get("/console", {"Authorization": f"Basic {right}"})[0] == 200
    for path in ("/console/api/jobs?arns=x", "/console/static/console.js"):  # its data and files too
        assert get(path, {})[0] == 401 and get(path, {"Authorization": f"Basic {right}"})[0] == 200
    assert get("/health", {})[0] == 200 and get("/", {})[0] == 200


def test_aws_cli_signs_with_the_configured_key(secured, aws_env):
    env = {**aws_env, "AWS_ACCESS_KEY_ID": "AKIDADMIN", "AWS_SECRET_ACCESS_KEY": "admin-secret"}
    listed = aws("personalize", "list-dataset-groups", "--endpoint-url", secured.url, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "datasetGroups" in json.loads(listed.stdout)
    failed = aws("personalize", "list-dataset-groups", "--endpoint-url", secured.url,
                 env={**env, "AWS_SECRET_ACCESS_KEY": "wrong"})
    assert failed.returncode != 0 and "InvalidSignatureException" in failed.stderr


@pytest.fixture
def aws_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    return env


def serve(*args: str, data_dir: Path, stderr) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tastemaker", "serve", "--data-dir", str(data_dir), *args],
                            stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def test_serve_beyond_loopback_needs_credentials_or_an_explicit_flag(tmp_path, credentials_file):
    port = str(free_port())
    refused = serve("--host", "0.0.0.0", "--port", port, data_dir=tmp_path / "a", stderr=subprocess.PIPE)
    _, err = refused.communicate(timeout=60)
    assert refused.returncode != 0
    assert err.strip().count("\n") == 0 and "without credentials" in err
    log = tmp_path / "warn.log"
    with log.open("w") as stderr:
        allowed = serve("--host", "0.0.0.0", "--port", port, "--allow-unauthenticated", data_dir=tmp_path / "b",
                        stderr=stderr)
        try:
            wait_for(f"http://127.0.0.1:{port}/")
        finally:
            allowed.terminate()
            allowed.wait(10)
    assert "WITHOUT authentication" in log.read_text()
    signed_server = serve("--host", "0.0.0.0", "--port", port, "--credentials-file", str(credentials_file),
                          data_dir=tmp_path / "c", stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
    finally:
        signed_server.terminate()
        signed_server.wait(10)


def test_embedded_stays_open(tmp_path, credentials_file):
    with tastemaker.embedded(tmp_path / "emb", credentials_file=credentials_file, executor="inline") as emb:
        assert emb.personalize.list_dataset_groups()["datasetGroups"] == []


def test_credentials_file_formats_and_errors(tmp_path):
    json_file = tmp_path / "c.json"
    json_file.write_text(json.dumps({"K": {"secret_access_key": "s", "account_id": "123456789012",
                                           "allowed_actions": ["personalize:Describe*"]}}))
    principal = load_credentials(json_file)["K"]
    assert principal.may("personalize", "DescribeSolution") and not principal.may("personalize", "CreateSolution")
    assert Verifier.from_file(json_file).credentials["K"].account_id == "123456789012"
    bad = tmp_path / "bad.toml"
    bad.write_text('[K]\nsecret_access_key = "s"\naccount_id = "12"\n')
    with pytest.raises(ValueError, match="12-digit account_id"):
        load_credentials(bad)


@pytest.mark.parametrize("headers, query", [
    ({"authorization": "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20261208/us-east-1/personalize/aws4_request, "
                       "SignedHeaders=host;x-amz-date, Signature=\xff\xfe", "x-amz-date": "20261208T030000Z"}, ""),
    ({"authorization": "AWS4-HMAC-SHA256 ,,,,"}, ""),
    ({"authorization": "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=1", "x-amz-date": "x"}, ""),
    ({}, ("X-Amz-Signature=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDADMIN%2Fa&X-Amz-Date=1"
          "&X-Amz-SignedHeaders=host&X-Amz-Expires=abc")),
    ({}, "%zz=%%&X-Amz-Signature"),
])
def test_malformed_signatures_are_refused_not_crashed(credentials_file, headers, query):
    from tastemaker.api.limits import Refused

    with pytest.raises(Refused) as refused:
        Verifier.from_file(credentials_file).verify("POST", "/", query, {"host": "h", **headers}, b"{}")
    assert refused.value.code in ("IncompleteSignatureException", "InvalidSignatureException")


def test_the_console_shows_the_account_of_its_access_key(secured):
    client(secured, "personalize").create_dataset_group(name="admins-console-group")

    def page(key: bytes) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", secured.port, timeout=10)
        conn.request("GET", "/console", headers={"Authorization": "Basic " + base64.b64encode(key).decode()})
        text = conn.getresponse().read().decode()
        conn.close()
        return text

    assert "admins-console-group" in page(b"AKIDADMIN:admin-secret")
    assert "admins-console-group" not in page(b"AKIDREADER:reader-secret")  # another account
