"""SigV4 verification with botocore's own signing code, against a credentials file; AWS's own auth errors.

The credentials file (TOML or JSON, `TASTEMAKER_CREDENTIALS_FILE`) maps an access key id to its secret, its
12-digit account id and, optionally, the actions it may call (IAM-style, `*` wildcards, case-insensitive)::

    [AKIAEXAMPLEKEY]
    secret_access_key = "..."
    account_id = "111122223333"
    allowed_actions = ["personalize:*"]     # optional; default: everything

A verified request yields an `Identity` (access key, account id, region of its credential scope).
"""
from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import hashlib
import hmac
import json
import logging
import re
import time
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from ..settings import Settings
from .limits import Limits, Refused, is_loopback
from .routing import route

log = logging.getLogger(__name__)
SERVICE = "personalize"  # the signingName of personalize, personalize-runtime and personalize-events
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = dt.timedelta(minutes=15)
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                 "Secret Access Key and signing method. Consult the service documentation for details.")


@dataclass(frozen=True)
class Principal:
    access_key: str
    secret: str
    account_id: str
    allowed_actions: tuple[str, ...] = ("*",)

    def may(self, service: str, operation: str) -> bool:
        names = {f"personalize:{operation}".lower(), f"{service}:{operation}".lower()}
        return any(fnmatch.fnmatchcase(n, p.lower()) for p in self.allowed_actions for n in names)


@dataclass(frozen=True)
class Identity:
    access_key: str
    account_id: str
    region: str | None = None


def load_credentials(path: str | Path) -> dict[str, Principal]:
    """Access key -> Principal; ValueError naming the problem."""
    path = Path(path)
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" or text.lstrip().startswith("{") else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ValueError(f"Cannot read the credentials file {path}: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(f"The credentials file {path} names no access keys.")
    found = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("secret_access_key"), str):
            raise ValueError(f"{path}: access key {key} needs a secret_access_key.")  # noqa: TRY004
        account = str(entry.get("account_id", ""))
        if not _ACCOUNT.match(account):
            raise ValueError(f"{path}: access key {key} needs a 12-digit account_id (got {account!r}).")
        actions = entry.get("allowed_actions", ["*"])
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise ValueError(f"{path}: allowed_actions of {key} must be a list of strings.")
        found[key] = Principal(key, entry["secret_access_key"], account, tuple(actions))
    return found


class _Signer(SigV4Auth):
    """botocore's SigV4 over exactly the headers the client signed and the body as received."""

    def __init__(self, secret: str, region: str, signed: list[str], payload_hash: str) -> None:
        super().__init__(Credentials("-", secret), SERVICE, region)
        self._signed, self._payload_hash = signed, payload_hash

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        out = HTTPHeaders()
        for name in self._signed:
            if name in request.headers:
                out[name] = request.headers[name]
        return out

    def payload(self, request: AWSRequest) -> str:
        return self._payload_hash

    def sign(self, request: AWSRequest, amz_date: str) -> str:
        request.context["timestamp"] = amz_date
        return self.signature(self.string_to_sign(request, self.canonical_request(request)), request)


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(sorted(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs))


def _query_pairs(query: str) -> list[tuple[str, str]]:
    out = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            out.append((unquote(key), unquote(value)))
    return out


def _bad(message: str = BAD_SIGNATURE) -> Refused:
    return Refused(403, "InvalidSignatureException", message)


def _incomplete(message: str) -> Refused:
    return Refused(400, "IncompleteSignatureException", message)


class Verifier:
    """Verifies a request's SigV4 signature (Authorization header or presigned query) against the credentials."""

    def __init__(self, credentials: dict[str, Principal], clock=time.time) -> None:
        self.credentials, self.clock = credentials, clock

    @classmethod
    def from_file(cls, path: str | Path) -> Verifier:
        return cls(load_credentials(path))

    def verify(self, method: str, raw_path: str, query: str, headers: dict[str, str], body: bytes) -> Identity:
        """The caller's identity, or Refused with AWS's code; a malformed request never escapes as a 500."""
        try:
            return self._verify(method, raw_path, query, headers, body)
        except Refused:
            raise
        except Exception:
            log.warning("unverifiable signature", exc_info=True)
            raise _incomplete("The request's signature could not be read.") from None

    def _verify(self, method: str, raw_path: str, query: str, headers: dict[str, str], body: bytes) -> Identity:
        pairs = _query_pairs(query)
        params = dict(pairs)
        authorization = headers.get("authorization")
        if authorization is not None:
            credential, signed, signature = _parse_header(authorization)
            amz_date, expires = headers.get("x-amz-date"), None
            if not amz_date:
                raise _incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                                  "header. Authorization=" + authorization.split(" ", 1)[0])
        elif "X-Amz-Signature" in params:
            credential, signed, signature, amz_date, expires = _parse_query(params)
            pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
        else:
            raise Refused(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        access_key, scope_date, region, service = _scope(credential)
        principal = self.credentials.get(access_key)
        if principal is None:
            raise Refused(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        if service != SERVICE:
            raise _bad(f"Credential should be scoped to correct service: '{SERVICE}'. ")
        if not _REGION.match(region):
            raise _bad("Credential should be scoped to a valid region. ")
        when = self._check_date(amz_date, scope_date, expires)
        actual = hashlib.sha256(body).hexdigest()
        claimed = headers.get("x-amz-content-sha256")
        if claimed is not None and claimed != actual:
            raise _bad("The provided 'x-amz-content-sha256' header does not match what was computed.")
        if "host" not in signed:
            raise _bad("'Host' must be a signed header.")
        url = f"http://{headers.get('host', '')}{raw_path}" + (f"?{_canonical_query(pairs)}" if pairs else "")
        request = AWSRequest(method=method, url=url, headers={n: headers[n] for n in signed if n in headers})
        expected = _Signer(principal.secret, region, signed, actual).sign(request, when)
        if not hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace")):
            raise _bad()
        return Identity(principal.access_key, principal.account_id, region)

    def _check_date(self, amz_date: str, scope_date: str, expires: int | None) -> str:
        try:
            at = dt.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=dt.UTC)
        except ValueError:
            raise _incomplete(f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.") from None
        if amz_date[:8] != scope_date:
            raise _bad(f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                       f"'{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.")
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        def stamp(d: dt.datetime) -> str:
            return d.strftime(_AMZ_DATE)

        if expires is not None and now > at + dt.timedelta(seconds=expires):
            raise _bad(f"Signature expired: {amz_date} is now earlier than {stamp(now - dt.timedelta(seconds=expires))}"
                       f" ({stamp(now)} - {expires} sec.)")
        if expires is None and at < now - MAX_SKEW:
            raise _bad(f"Signature expired: {amz_date} is now earlier than {stamp(now - MAX_SKEW)} "
                       f"({stamp(now)} - 15 min.)")
        if at > now + MAX_SKEW:
            raise _bad(f"Signature not yet current: {amz_date} is still later than {stamp(now + MAX_SKEW)} "
                       f"({stamp(now)} + 15 min.)")
        return amz_date

    def authorize(self, identity: Identity, service: str, operation: str) -> None:
        """AccessDeniedException unless the key's allowed_actions name this operation."""
        principal = self.credentials[identity.access_key]
        if not principal.may(service, operation):
            status = 400 if service == "personalize" else 403  # Coral JSON answers 400, the REST APIs 403
            raise Refused(status, "AccessDeniedException",
                          f"User: arn:aws:iam::{identity.account_id}:user/{identity.access_key} is not authorized to "
                          f"perform: personalize:{operation}")

    def basic(self, authorization: str | None) -> Identity:
        """The console's HTTP Basic auth: user = access key id, password = secret access key; else 401."""
        refused = Refused(401, "MissingAuthenticationTokenException",
                          "The console needs an access key id and its secret (HTTP Basic).",
                          {"www-authenticate": 'Basic realm="Tastemaker console", charset="UTF-8"'})
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            raise refused
        try:
            key, _, secret = base64.b64decode(token.strip(), validate=True).decode().partition(":")
        except ValueError:
            raise refused from None
        principal = self.credentials.get(key)
        if principal is None or not hmac.compare_digest(principal.secret.encode(), secret.encode()):
            raise refused
        return Identity(principal.access_key, principal.account_id)


def _parse_header(authorization: str) -> tuple[str, list[str], str]:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Authorization header requires '{ALGORITHM}' signatures with 'Credential', "
                          "'SignedHeaders' and 'Signature' parameters.")
    fields = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise _incomplete(" ".join(f"Authorization header requires '{n}' parameter." for n in missing)
                          + f" Authorization={authorization.split(' ', 1)[0]}")
    return fields["Credential"], fields["SignedHeaders"].lower().split(";"), fields["Signature"]


def _parse_query(params: dict[str, str]) -> tuple[str, list[str], str, str, int]:
    missing = [n for n in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders")
               if not params.get(n)]
    if missing:
        raise _incomplete(" ".join(f"Query-string authentication requires the {n} parameter." for n in missing))
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(f"Only {ALGORITHM} presigned requests are supported.")
    try:
        expires = int(params.get("X-Amz-Expires", "900"))
    except ValueError:
        raise _incomplete("X-Amz-Expires must be a number of seconds.") from None
    if not 0 < expires <= MAX_PRESIGNED_EXPIRES:
        raise _incomplete(f"X-Amz-Expires must be between 1 and {MAX_PRESIGNED_EXPIRES} seconds.")
    return (params["X-Amz-Credential"], params["X-Amz-SignedHeaders"].lower().split(";"), params["X-Amz-Signature"],
            params["X-Amz-Date"], expires)


def _scope(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise _incomplete(f"Credential must have exactly 5 slash-delimited elements, e.g. "
                          f"keyid/date/region/service/term, got '{credential}'")
    return parts[0], parts[1], parts[2], parts[3]


OPEN_PATHS = ("", "/", "/health", "/ready", "/metrics")


class Gate:
    """Everything a request passes before a handler: limits (Host, Origin, body), then, with credentials
    configured, SigV4 for the APIs (and any other path but the open GETs) or HTTP Basic for the console."""

    def __init__(self, limits: Limits, verifier: Verifier | None) -> None:
        self.limits, self.verifier = limits, verifier

    @classmethod
    def from_settings(cls, settings: Settings) -> Gate:
        path = settings.credentials_file
        return cls(Limits.from_settings(settings), Verifier.from_file(path) if path else None)

    async def admit(self, scope: dict[str, Any], headers: dict[str, str], receive: Callable[[], Awaitable[dict]]
                    ) -> tuple[bytes, Identity | None]:
        """(body, verified identity or None); raises Refused."""
        method, path = scope["method"], scope["path"]
        self.limits.check_headers(method, headers)
        self.limits.check_length(headers)
        body = await self.limits.read_body(receive)
        found = route(method, path, headers.get("x-amz-target"))
        identity = None
        if self.verifier is not None:
            if method in ("GET", "HEAD") and path in OPEN_PATHS:
                return body, None
            if method in ("GET", "HEAD") and (path == "/console" or path.startswith("/console/")):
                return body, self.verifier.basic(headers.get("authorization"))
            raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1")
            identity = self.verifier.verify(method, raw_path, scope.get("query_string", b"").decode("latin-1"),
                                            headers, body)
            if found is not None:
                self.verifier.authorize(identity, found[0], found[1].name)
        if found is not None:
            self.limits.check_nesting(body)
        return body, identity


def exposure(settings: Settings) -> str | None:
    """Check how `tastemaker serve` may listen: a warning to log, or ValueError (one line) when it must not start.
    Without credentials the server is open, which is allowed on loopback only unless allow_unauthenticated."""
    if settings.credentials_file is not None:
        load_credentials(settings.credentials_file)  # a bad file stops the start
        return None
    if is_loopback(settings.host):
        return None
    if not settings.allow_unauthenticated:
        raise ValueError(f"Refusing to listen on {settings.host} without credentials: set TASTEMAKER_CREDENTIALS_FILE "
                         "(--credentials-file), or pass --allow-unauthenticated (TASTEMAKER_ALLOW_UNAUTHENTICATED=1).")
    return (f"Listening on {settings.host} WITHOUT authentication (--allow-unauthenticated): anyone who reaches "
            "this port can read, change and delete everything.")
