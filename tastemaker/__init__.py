"""Tastemaker: Amazon Personalize that you run yourself."""
from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = "0.1.0"


class Embedded:
    """An in-process Tastemaker: `.personalize`, `.runtime` and `.events` are real boto3 clients."""

    def __init__(self, data_dir: str | Path | None = None, **overrides: Any) -> None:
        from .api.inprocess import clients
        from .service import Service
        from .settings import Settings

        if data_dir is not None:
            overrides["data_dir"] = Path(data_dir)
        self.service = Service(Settings(**overrides))
        self.service.start()
        found = clients(self.service, self.service.settings.region)
        self.personalize = found["personalize"]
        self.runtime = found["personalize-runtime"]
        self.events = found["personalize-events"]

    def __iter__(self):  # personalize, runtime, events = tastemaker.embedded(...)
        return iter((self.personalize, self.runtime, self.events))

    def close(self) -> None:
        self.service.close()

    def __enter__(self) -> Embedded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def embedded(data_dir: str | Path | None = None, **overrides: Any) -> Embedded:
    """Start Tastemaker inside this process and return boto3 clients wired to it."""
    return Embedded(data_dir, **overrides)


def connect(endpoint_url: str = "http://127.0.0.1:8080", region: str = "us-east-1") -> tuple[Any, Any, Any]:
    """boto3 clients (personalize, personalize-runtime, personalize-events) for a running server."""
    import boto3

    kw = dict(endpoint_url=endpoint_url, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")
    return tuple(boto3.client(n, **kw) for n in ("personalize", "personalize-runtime", "personalize-events"))


__all__ = ["__version__", "embedded", "connect", "Embedded"]
