"""boto3 clients wired to a Service in-process through botocore's before-send event (no sockets)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse

from ..service import Service
from .app import handle

ENDPOINT = "http://tastemaker.embedded"


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any):
        yield self._data


def _hook(service: Service):
    def before_send(request: Any, **_: Any) -> AWSResponse:
        headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        elif hasattr(body, "read"):
            body = body.read()
        status, out, payload = handle(service, request.method, urlsplit(request.url).path, headers, body)
        return AWSResponse(request.url, status, out, _Raw(payload))

    return before_send


def clients(service: Service, region: str = "us-east-1") -> dict[str, Any]:
    """Real boto3 clients for personalize, personalize-runtime and personalize-events."""
    session = boto3.session.Session(aws_access_key_id="tastemaker", aws_secret_access_key="tastemaker", region_name=region)
    out = {}
    for name in ("personalize", "personalize-runtime", "personalize-events"):
        client = session.client(name, endpoint_url=ENDPOINT)
        client.meta.events.register("before-send", _hook(service))
        out[name] = client
    return out
