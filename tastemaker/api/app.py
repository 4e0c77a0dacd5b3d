"""ASGI app: one catch-all for the three Personalize services, plus GET / and the console."""
from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from .. import __version__
from ..runtime import pending
from ..service import Service
from .dispatch import invoke
from .routing import route

_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
REQUEST_THREADS = 64
RUNTIME_PATHS = ("/recommendations", "/personalize-ranking")

Headers = dict[str, str]


def region_of(authorization: str | None) -> str | None:
    match = _REGION.search(authorization or "")
    return match.group(1) if match else None


def handle(service: Service, method: str, path: str, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    """Answer one request synchronously (used by the ASGI app and by the in-process boto3 hook)."""
    request_id = str(uuid.uuid4())
    found = route(method, path, headers.get("x-amz-target"))
    if found is None:
        return _other(service, method, path, request_id)
    svc, op = found
    ctx = service.context(region_of(headers.get("authorization")))
    status, payload = invoke(ctx, svc, op, body)
    out = {
        "content-type": "application/x-amz-json-1.1" if svc == "personalize" else "application/json",
        "x-amzn-requestid": request_id,
    }
    if status >= 400:
        out["x-amzn-errortype"] = payload.get("__type", "")
    return status, out, orjson.dumps(payload)


def _other(service: Service, method: str, path: str, request_id: str) -> tuple[int, Headers, bytes]:
    if method == "GET" and path in ("", "/"):
        body = {
            "service": "tastemaker",
            "description": "Amazon Personalize that you run yourself",
            "version": __version__,
            "apis": ["personalize", "personalize-runtime", "personalize-events"],
        }
        return 200, {"content-type": "application/json"}, orjson.dumps(body)
    if method == "GET" and (path == "/console" or path.startswith("/console/")):
        from ..console import render

        status, html = render(service.context(), path)
        return status, {"content-type": "text/html; charset=utf-8", "x-amzn-requestid": request_id}, html.encode()
    if method == "GET" and path == "/health":
        return 200, {"content-type": "application/json"}, b'{"status":"ok"}'
    body = {"__type": "UnknownOperationException", "message": f"No Personalize operation at {method} {path}."}
    return 404, {"content-type": "application/json", "x-amzn-requestid": request_id}, orjson.dumps(body)


class App:
    """A plain ASGI callable; lifespan starts the job runner and closes the store."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        args = (self.service, scope["method"], scope["path"], headers, bytes(body))
        if scope["path"] in RUNTIME_PATHS:
            await _loads_done(self.service, args[4])
        if headers.get("x-amz-target") or not _is_inline(scope["path"]):
            status, out, payload = await asyncio.to_thread(handle, *args)
        else:
            status, out, payload = handle(*args)
        await send({
            "type": "http.response.start", "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in {**out, "content-length": str(len(payload))}.items()],
        })
        await send({"type": "http.response.body", "body": payload})

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


def _is_inline(path: str) -> bool:
    """Only what needs no store, model or lock runs on the event loop; the rest on threads, so that a slow request
    (a model or histories load, a big ranking, a PutEvents group commit) never holds up the others."""
    return path in ("", "/", "/health")


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
