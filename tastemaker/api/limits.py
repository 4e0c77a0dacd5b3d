"""Request hygiene before any handler runs: a body cap and a body deadline, JSON nesting, Host and Origin checks.

Every refusal is an AWS-style error (`{"__type", "message"}` and `x-amzn-ErrorType`), raised as `Refused`.
"""
from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import orjson

from ..settings import Settings

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Refused(Exception):
    """A request answered with an error before it reaches a handler."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> tuple[int, dict[str, str], bytes]:
        body = orjson.dumps({"__type": self.code, "message": self.message})
        return self.status, {"content-type": "application/json", "x-amzn-errortype": self.code, **self.headers}, body


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost (and *.localhost)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit` (strings ignored); never recurses."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _host_name(value: str) -> str:
    """The host of a Host header, without its port."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@cache
def _own_names() -> frozenset[str]:
    names = {socket.gethostname().lower()}
    try:
        names.add(socket.getfqdn().lower())
    except OSError:
        pass
    return frozenset(names)


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 10 * 1024 * 1024
    body_timeout_seconds: float = 30.0
    max_json_depth: int = 64
    allowed_hosts: tuple[str, ...] = ()
    bound_host: str = "127.0.0.1"

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        hosts = tuple(h.strip().lower() for h in (settings.allowed_hosts or "").split(",") if h.strip())
        return cls(settings.max_body_bytes, settings.body_timeout_seconds, settings.max_json_depth, hosts,
                   settings.host)

    def host_allowed(self, host: str | None) -> bool:
        """DNS-rebinding defence: a name must be ours. IP literals, loopback names, the bound host, this machine's
        names and TASTEMAKER_ALLOWED_HOSTS (`*`, `name`, `.suffix`) pass; with the setting, only it (and IPs)."""
        if not host:
            return True  # HTTP/1.0 without Host: nothing a browser sends
        name = _host_name(host)
        try:
            ipaddress.ip_address(name)
            return True  # a rebinding attack needs a DNS name
        except ValueError:
            pass
        if self.allowed_hosts:
            return any(a == "*" or a == name or (a.startswith(".") and name.endswith(a)) for a in self.allowed_hosts)
        return is_loopback(name) or name == self.bound_host.lower() or name in _own_names()

    def check_headers(self, method: str, headers: dict[str, str]) -> None:
        """Host, then cross-site requests: boto3 sends neither Origin nor Sec-Fetch-Site; a browser page of another
        site (a `text/plain` form POST needs no CORS preflight) does, and is refused for anything but GET/HEAD."""
        host = headers.get("host")
        if not self.host_allowed(host):
            raise Refused(421, "MisdirectedRequestException",
                          f"Host '{host}' is not served here; name it in TASTEMAKER_ALLOWED_HOSTS.")
        if method.upper() in _SAFE_METHODS:
            return
        origin = headers.get("origin")
        if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != (host or "").lower()):
            raise Refused(403, "AccessDeniedException", f"Cross-origin requests (Origin: {origin}) are refused.")
        if headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site"):
            raise Refused(403, "AccessDeniedException", "Cross-site requests from a browser are refused.")

    def check_length(self, headers: dict[str, str]) -> None:
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            raise self._too_large()

    def _too_large(self) -> Refused:
        return Refused(413, "RequestEntityTooLargeException",
                       f"The request body is larger than {self.max_body_bytes} bytes (TASTEMAKER_MAX_BODY_BYTES).",
                       {"connection": "close"})

    async def read_body(self, receive: Callable[[], Awaitable[dict]]) -> bytes:
        """The whole body, refused once it passes the cap (the rest is never read) or its deadline."""
        body = bytearray()
        try:
            async with asyncio.timeout(self.body_timeout_seconds):
                while True:
                    message = await receive()
                    if message.get("type") == "http.disconnect":
                        raise Refused(400, "RequestAbortedException", "The client closed the connection.")
                    body += message.get("body", b"")
                    if len(body) > self.max_body_bytes:
                        raise self._too_large()
                    if not message.get("more_body"):
                        return bytes(body)
        except TimeoutError:
            raise Refused(408, "RequestTimeoutException",
                          f"The request body did not arrive within {self.body_timeout_seconds:g} s "
                          "(TASTEMAKER_BODY_TIMEOUT_SECONDS).", {"connection": "close"}) from None

    def check_nesting(self, body: bytes) -> None:
        if json_depth_exceeds(body, self.max_json_depth):
            raise Refused(400, "InvalidInputException",
                          f"The request body nests JSON deeper than {self.max_json_depth} levels.")


def head_deadline(seconds: float, base: type | None = None) -> type:
    """uvicorn's HTTP protocol (httptools or h11, whichever `auto` picks) that closes a connection whose request head
    does not arrive whole within `seconds` of its first byte (or of the connection): uvicorn itself waits forever."""
    if base is None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol as base

    class HeadDeadline(base):  # type: ignore[misc, valid-type]
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch_head()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_watch()
            super().connection_lost(exc)

        def _in_request(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _watch_head(self) -> None:
            if self._in_request():
                self._stop_watch()
            elif self._head_timer is None:
                self._head_timer = self.loop.call_later(seconds, self._head_late)

        def _stop_watch(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_late(self) -> None:
            self._head_timer = None
            if not self._in_request():
                self.transport.close()

    return HeadDeadline
