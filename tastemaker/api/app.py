"""ASGI app: one catch-all for the three Personalize services, plus GET / and the console."""
from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from .. import __version__
from ..observability.health import health, ready
from ..observability.http import observe_request
from ..observability.metrics import metrics_of
from ..runtime import pending
from ..service import Service
from .auth import Gate, Identity
from .dispatch import invoke
from .limits import Refused
from .routing import route

_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")
_ACCOUNT_KEY = re.compile(r"\d{12}")
REQUEST_THREADS = 64
RUNTIME_PATHS = ("/recommendations", "/personalize-ranking")

Headers = dict[str, str]


def region_of(authorization: str | None) -> str | None:
    match = _REGION.search(authorization or "")
    return match.group(1) if match else None


def account_of(authorization: str | None) -> str | None:
    """Without configured credentials, an access key of 12 digits names its account (as LocalStack does); any other
    key is the default account (TASTEMAKER_ACCOUNT_ID)."""
    match = _ACCESS_KEY.search(authorization or "")
    return match.group(1) if match and _ACCOUNT_KEY.fullmatch(match.group(1)) else None


def handle(service: Service, method: str, path: str, headers: Headers, body: bytes,
           identity: Identity | None = None, query: str = "") -> tuple[int, Headers, bytes]:
    """Answer one request synchronously (used by the ASGI app and by the in-process boto3 hook); each request is
    one log line and counts in the metrics (tastemaker.observability)."""
    started = time.perf_counter()
    status, out = 500, {}
    try:
        status, out, payload = _answer(service, method, path, headers, body, identity, query)
    finally:
        observe_request(service, method, path, headers, status, out, time.perf_counter() - started)
    return status, out, payload


def _answer(service: Service, method: str, path: str, headers: Headers, body: bytes,
            identity: Identity | None = None, query: str = "") -> tuple[int, Headers, bytes]:
    request_id = str(uuid.uuid4())
    found = route(method, path, headers.get("x-amz-target"))
    if found is None:
        return _other(service, method, path, request_id, identity, query)
    svc, op = found
    authorization = headers.get("authorization")
    ctx = service.context(region_of(authorization), account_of(authorization)) if identity is None else \
        service.context(identity.region, identity.account_id)  # verified by api/auth.py
    status, payload = invoke(ctx, svc, op, body)
    out = {
        "content-type": "application/x-amz-json-1.1" if svc == "personalize" else "application/json",
        "x-amzn-requestid": request_id,
    }
    if status >= 400:
        out["x-amzn-errortype"] = payload.get("__type", "")
    return status, out, orjson.dumps(payload)


def _console(service: Service, path: str, query: str, identity: Identity | None) -> Any:
    """A console page; with credentials, it shows the account of the access key it was opened with (HTTP
    Basic), in the region it names (`?region=`, else the server's default)."""
    from urllib.parse import parse_qsl

    from ..console import Request, handle as console

    account = identity.account_id if identity else None
    args = dict(parse_qsl(query, keep_blank_values=True))
    asked = args.get("region", "")
    region = asked if re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d{1,2}", asked) else service.context(None, account).region
    return console(Request(path, args, account, region, lambda r: service.context(r, account)))


def _other(service: Service, method: str, path: str, request_id: str,
           identity: Identity | None = None, query: str = "") -> tuple[int, Headers, bytes]:
    if method == "GET" and path in ("", "/"):
        body = {
            "service": "tastemaker",
            "description": "Amazon Personalize that you run yourself",
            "version": __version__,
            "apis": ["personalize", "personalize-runtime", "personalize-events"],
            "process": os.getpid(),  # which process of a server group answered (serve --processes N)
        }
        return 200, {"content-type": "application/json", "x-amzn-requestid": request_id}, orjson.dumps(body)
    if method == "GET" and (path == "/console" or path.startswith("/console/")):
        reply = _console(service, path, query, identity)
        return reply.status, {"content-type": reply.content_type, "x-amzn-requestid": request_id,
                              **reply.headers}, reply.body
    if method == "GET" and path in ("/health", "/ready"):
        status, body = (health if path == "/health" else ready)(service)
        return status, {"content-type": "application/json", "x-amzn-requestid": request_id}, orjson.dumps(body)
    if method == "GET" and path == "/metrics":
        payload, content_type = metrics_of(service.base).exposition()
        return 200, {"content-type": content_type, "x-amzn-requestid": request_id}, payload
    body = {"__type": "UnknownOperationException", "message": f"No Personalize operation at {method} {path}."}
    return 404, {"content-type": "application/json", "x-amzn-requestid": request_id,
                 "x-amzn-errortype": body["__type"]}, orjson.dumps(body)


class App:
    """A plain ASGI callable; lifespan starts the job runner and closes the store."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.gate = Gate.from_settings(service.settings)  # limits; SigV4 when credentials are configured

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body, identity = await self.gate.admit(scope, headers, receive)
        except Refused as refused:
            status, out, payload = refused.response()
            observe_request(self.service, scope["method"], scope["path"], headers, status, out, 0.0)
            await _respond(send, status, out, payload)
            return
        args = (self.service, scope["method"], scope["path"], headers, body)
        query = scope.get("query_string", b"").decode("latin-1")
        if scope["path"] in RUNTIME_PATHS:
            await _loads_done(self.service, args[4])
        if headers.get("x-amz-target") or not _is_inline(scope["path"]):
            status, out, payload = await asyncio.to_thread(handle, *args, identity=identity, query=query)
        else:
            status, out, payload = handle(*args, identity=identity, query=query)
        await _respond(send, status, out, payload)

    async def _lifespan(self, receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Blocking handlers run on this pool; PutEvents waiters share group commits, so allow many.
                asyncio.get_running_loop().set_default_executor(
                    ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="tastemaker-request"))
                self.service.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _respond(send: Callable[[dict], Awaitable[None]], status: int, out: Headers, payload: bytes) -> None:
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(k.encode(), v.encode()) for k, v in {**out, "content-length": str(len(payload))}.items()],
    })
    await send({"type": "http.response.body", "body": payload})


def _is_inline(path: str) -> bool:
    """Only what needs no store, model or lock runs on the event loop; the rest on threads, so that a slow request
    (a model or histories load, a big ranking, a PutEvents group commit) never holds up the others."""
    return path in ("", "/", "/ready")


async def _loads_done(service: Service, body: bytes) -> None:
    """Await the load (model, first histories) that a runtime request needs on the event loop, holding no request
    thread: a burst of requests for a campaign still loading cannot take every thread from the others."""
    loop = asyncio.get_running_loop()
    while (load := pending(service.context(), body)) is not None:
        done = loop.create_future()
        load.on_done(lambda: loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None)))
        await done
        if load.error is not None:
            return  # the handler tries again and answers with the error
