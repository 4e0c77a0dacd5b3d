"""Lake over pyarrow filesystems: write-then-rename so a reader never sees half a file."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq


def _s3_filesystem() -> pafs.S3FileSystem:
    """S3 through the standard AWS configuration (credential chain, AWS_ENDPOINT_URL[_S3])."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    kwargs: dict = {}
    if endpoint:
        parsed = urlparse(endpoint)
        kwargs["endpoint_override"] = parsed.netloc or parsed.path
        kwargs["scheme"] = parsed.scheme or "https"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kwargs["region"] = region
    return pafs.S3FileSystem(**kwargs)


class Lake:
    """Keys are '/'-separated paths under the lake root."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = urlparse(url)
        if parsed.scheme == "s3":
            self.fs: pafs.FileSystem = _s3_filesystem()
            self.root = f"{parsed.netloc}{parsed.path}".rstrip("/")
        elif parsed.scheme in ("file", ""):
            self.fs = pafs.LocalFileSystem()
            self.root = (parsed.path if parsed.scheme == "file" else url).rstrip("/")
            self.fs.create_dir(self.root, recursive=True)
        else:
            raise ValueError(f"Unsupported lake URL {url!r}: use file:///path or s3://bucket/prefix")
        self.is_local = isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, key: str) -> str:
        return f"{self.root}/{key.lstrip('/')}"

    def _publish(self, key: str, write: Callable[[pa.NativeFile], None]) -> None:
        final = self.path(key)
        parent = final.rsplit("/", 1)[0]
        self.fs.create_dir(parent, recursive=True)
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}"  # on S3 the move is a server-side copy
        try:
            with self.fs.open_output_stream(tmp) as out:
                write(out)
            self.fs.move(tmp, final)
        finally:
            if self.fs.get_file_info(tmp).type != pafs.FileType.NotFound:
                self.fs.delete_file(tmp)

    def put_bytes(self, key: str, data: bytes) -> None:
        self._publish(key, lambda out: out.write(data))

    def get_bytes(self, key: str) -> bytes:
        with self.fs.open_input_stream(self.path(key)) as src:
            return src.read()

    def write_table(self, key: str, table: pa.Table) -> None:
        self._publish(key, lambda out: pq.write_table(table, out, compression="zstd"))

    def read_table(self, key: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.path(key), columns=columns, filesystem=self.fs)

    def exists(self, key: str) -> bool:
        return self.fs.get_file_info(self.path(key)).type != pafs.FileType.NotFound

    def delete_prefix(self, key: str) -> None:
        info = self.fs.get_file_info(self.path(key))
        if info.type == pafs.FileType.Directory:
            self.fs.delete_dir(self.path(key))
        elif info.type == pafs.FileType.File:
            self.fs.delete_file(self.path(key))


def open_lake(url: str) -> Lake:
    return Lake(url)
