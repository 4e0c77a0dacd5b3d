"""Contract suite for the lake: file:// always, s3:// against a moto_server started on loopback."""
from __future__ import annotations

import boto3
import pyarrow as pa
import pytest

from tastemaker.lake import open_lake
from tests.conftest import free_port


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["file", "s3"])
def lake(request, tmp_path, monkeypatch):
    if request.param == "file":
        return open_lake((tmp_path / "lake").as_uri())
    endpoint = request.getfixturevalue("s3_endpoint")
    for key, value in {"AWS_ENDPOINT_URL_S3": endpoint, "AWS_ACCESS_KEY_ID": "test",
                       "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    bucket = f"lake-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    return open_lake(f"s3://{bucket}/prefix")


def test_tables_round_trip(lake):
    table = pa.table({"USER_ID": ["a", "b"], "TIMESTAMP": [1, 2]})
    lake.write_table("datasets/g/INTERACTIONS/v1.parquet", table)
    assert lake.exists("datasets/g/INTERACTIONS/v1.parquet")
    assert lake.read_table("datasets/g/INTERACTIONS/v1.parquet").equals(table)
    assert lake.read_table("datasets/g/INTERACTIONS/v1.parquet", columns=["USER_ID"]).column_names == ["USER_ID"]


def test_bytes_round_trip_and_delete(lake):
    lake.put_bytes("models/s/abc/model.npz", b"\x00\x01payload")
    assert lake.get_bytes("models/s/abc/model.npz") == b"\x00\x01payload"
    lake.delete_prefix("models/s/abc")
    assert not lake.exists("models/s/abc/model.npz")


def test_failed_write_leaves_previous_version(lake):
    lake.put_bytes("k/file", b"old")

    class Boom(Exception):
        pass

    def explode(out):
        out.write(b"half")
        raise Boom()

    with pytest.raises(Boom):
        lake._publish("k/file", explode)
    assert lake.get_bytes("k/file") == b"old"
    assert not lake.exists("k/.tmp")
