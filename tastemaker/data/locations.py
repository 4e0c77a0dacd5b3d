"""Read import sources and write export destinations: s3:// (boto3, standard AWS config), file:// or a path.

Local paths are confined to the allowed roots (data/confine.py) when a job passes them (`roots`): each file is
checked right before it is opened or written, after resolving symlinks and '..'; `roots=None` (library callers
and tests that trust the path) reads anything."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from ..jobs import JobFailed
from . import confine


@dataclass(frozen=True)
class Source:
    """One CSV file of a data location."""

    url: str
    bucket: str | None = None
    key: str | None = None
    path: Path | None = None
    roots: tuple[Path, ...] | None = None
    """The allowed roots a local file is checked against again when it is opened (None: not confined)."""


def _s3() -> Any:
    import boto3

    return boto3.client("s3")


def _local_path(location: str, roots: confine.Roots | None) -> Path:
    """The local path of a location: checked and resolved when confined to `roots`."""
    try:
        return confine.local_path(location) if roots is None else confine.confined(location, roots)
    except confine.Refused as exc:
        raise JobFailed(exc.message) from None


def list_sources(location: str, roots: confine.Roots | None = None) -> list[Source]:
    """The CSV files a dataLocation names: one file, or every .csv under a folder / prefix ending in '/'. With
    `roots`, a local location (and every file found under a folder, symlinks resolved) must lie inside them."""
    if location.startswith("s3://"):
        return _s3_sources(location)
    roots = None if roots is None else tuple(roots)
    path = _local_path(location, roots)
    if path.is_dir():
        found = sorted(q for q in (_local_path(str(p), roots) for p in path.rglob("*.csv")) if q.is_file())
        if not found:  # (each file resolved and checked against the roots)
            raise JobFailed(f"No .csv file under {location}.")
        return [Source(p.as_uri(), path=p, roots=roots) for p in found]
    if not path.is_file():
        raise JobFailed(f"Input file {location} does not exist (resolved to {path}).")
    return [Source(str(location), path=path, roots=roots)]


def _s3_sources(location: str) -> list[Source]:
    from botocore.exceptions import BotoCoreError, ClientError

    parsed = urlparse(location)
    bucket, key = parsed.netloc, parsed.path.lstrip("/")
    try:
        client = _s3()
        if key and not key.endswith("/"):
            client.head_object(Bucket=bucket, Key=key)
            return [Source(location, bucket=bucket, key=key)]
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].lower().endswith(".csv")]
    except (ClientError, BotoCoreError) as exc:
        raise JobFailed(f"Cannot read {location}: {exc}") from None
    if not keys:
        raise JobFailed(f"No .csv object under {location}.")
    return [Source(f"s3://{bucket}/{k}", bucket=bucket, key=k) for k in sorted(keys)]


def source_size(source: Source) -> int | None:
    """The size in bytes of a local source file (None for S3 or when it cannot be read): import progress."""
    try:
        return source.path.stat().st_size if source.path is not None else None
    except OSError:
        return None


@contextmanager
def open_source(source: Source) -> Iterator[IO[bytes]]:
    """A binary stream of one source file."""
    if source.path is not None and source.roots is not None:
        with open(confine.open_read(source.path, source.roots), "rb") as handle:
            yield handle
        return
    if source.path is not None:
        import pyarrow as pa

        with pa.OSFile(str(source.path), "rb") as handle:
            yield handle
        return
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body = _s3().get_object(Bucket=source.bucket, Key=source.key)["Body"]
    except (ClientError, BotoCoreError) as exc:
        raise JobFailed(f"Cannot read {source.url}: {exc}") from None
    try:
        yield body
    finally:
        body.close()


def output_url(destination: str, file_name: str) -> str:
    """Where a job writes `file_name` under an s3:// or file:// destination folder (or local path)."""
    return destination.rstrip("/") + "/" + file_name


def put_file(local: Path, url: str, roots: confine.Roots | None = None) -> None:
    """Copy a finished local file to its destination URL (a local one checked against `roots` first)."""
    if url.startswith("s3://"):
        from botocore.exceptions import BotoCoreError, ClientError

        parsed = urlparse(url)
        try:
            _s3().upload_file(str(local), parsed.netloc, parsed.path.lstrip("/"))
        except (ClientError, BotoCoreError, OSError) as exc:
            raise JobFailed(f"Cannot write {url}: {exc}") from None
        return
    if roots is not None:
        with open(confine.open_write(url, tuple(roots)), "wb") as out, open(local, "rb") as src:
            try:
                shutil.copyfileobj(src, out, 1 << 20)
            except OSError as exc:
                raise JobFailed(f"Cannot write {url}: {exc.strerror}.") from None
        return
    target = _local_path(url, None)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, target)
    except OSError as exc:
        raise JobFailed(f"Cannot write {url}: {exc}") from None


def check_location(location: str) -> None:
    """Reject a dataLocation scheme we cannot read (http(s) is not supported)."""
    if location.startswith(("http://", "https://")):
        from ..errors import InvalidInputException

        raise InvalidInputException(f"Data location {location}: http(s) sources are not supported yet; "
                                    "use s3://bucket/key, file:///path or a local path.")
