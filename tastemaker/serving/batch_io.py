"""Batch job input and output: JSON Lines files on s3:// (boto3, standard SDK config) or local paths, the local
ones confined to the allowed roots (data/confine.py), checked right before each file is listed, read or written."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..data import confine

MAX_FILES = 1000


def _s3(region: str | None) -> Any:
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or region
    return boto3.client("s3", region_name=region)


def _local(path: str, roots: confine.Roots) -> Path:
    """The resolved local path, inside `roots` (JobFailed otherwise)."""
    return confine.check_job(path, roots)


def input_files(path: str, region: str | None = None, *, roots: confine.Roots) -> list[str]:
    """The JSON Lines files a jobInput path names: one file, or every file directly in a folder."""
    parsed = urlparse(path)
    if parsed.scheme == "s3":
        client, bucket, key = _s3(region), parsed.netloc, parsed.path.lstrip("/")
        if key and not key.endswith("/"):
            try:
                client.head_object(Bucket=bucket, Key=key)
                return [path]
            except client.exceptions.ClientError:
                key += "/"
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key, Delimiter="/")
        found = [f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", [])
                 if not o["Key"].endswith("/")]
    else:
        local = _local(path, roots)
        if local.is_file():
            return [path]
        if not local.is_dir():
            raise FileNotFoundError(f"No input file or folder at {path}.")
        found = [str(p) for p in sorted(local.iterdir())
                 if not p.name.startswith(".") and _local(str(p), roots).is_file()]  # each checked
    if not found:
        raise FileNotFoundError(f"No input files at {path}.")
    if len(found) > MAX_FILES:
        raise ValueError(f"{path} holds {len(found)} files; a batch job reads at most {MAX_FILES}.")
    return found


def read_text(path: str, region: str | None = None, *, roots: confine.Roots) -> str:
    parsed = urlparse(path)
    if parsed.scheme == "s3":
        body = _s3(region).get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"].read()
        return body.decode("utf-8")
    with open(confine.open_read(path, roots), "rb") as handle:
        return handle.read().decode("utf-8")


def output_path(output_folder: str, input_path: str) -> str:
    """`<output folder>/<input file name>.out`."""
    name = input_path.rstrip("/").rsplit("/", 1)[-1] + ".out"
    return output_folder.rstrip("/") + "/" + name


def write_text(path: str, text: str, region: str | None = None, *, roots: confine.Roots) -> None:
    parsed = urlparse(path)
    if parsed.scheme == "s3":
        _s3(region).put_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"), Body=text.encode("utf-8"))
        return
    local = _local(path, roots)
    tmp = local.with_name(f".{local.name}.tmp")
    with open(confine.open_write(tmp, roots), "wb") as handle:
        handle.write(text.encode("utf-8"))
    tmp.replace(_local(str(local), roots))  # a rename replaces a symlink at the target; it does not follow it
