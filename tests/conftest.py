"""Shared fixtures: in-process clients, a real `tastemaker serve` process, paths to shared data, a throwaway
PostgreSQL."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import pytest

import tastemaker

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()

# Local paths clients name (imports, exports, batch and deletion jobs) are confined to Settings.local_roots, by
# default only `<data_dir>/files`. The tests write their CSVs under pytest's tmp_path and read the shared datasets,
# so the test run allows the system temp folder and ../shared/data: set here, at import time, so that every
# embedded service and every `tastemaker serve` subprocess (they inherit the environment) gets it. Tests of the
# default pass `local_roots` explicitly (tests/data/test_confined_paths.py).
os.environ.setdefault("TASTEMAKER_LOCAL_ROOTS",
                      os.pathsep.join([str(Path(tempfile.gettempdir()).resolve()), str(SHARED_DATA)]))


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test when the datasets are absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"dataset not available: {path}")
    return path


@pytest.fixture
def embedded(tmp_path):
    """An in-process Tastemaker with the inline executor: jobs finish before Create* returns."""
    with tastemaker.embedded(tmp_path / "data", executor="inline") as emb:
        yield emb


@pytest.fixture
def personalize(embedded):
    return embedded.personalize


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Server:
    """A real `tastemaker serve` subprocess on a free loopback port."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tastemaker", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
             "--log-level", "warning"],
            env=self.env,
        )
        wait_for(self.url + "/", timeout)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def client(self, name: str):
        return boto3.client(name, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "server-data").start()
    yield srv
    srv.stop()


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster on loopback (initdb + pg_ctl as user postgres), or skip."""
    url = os.environ.get("TASTEMAKER_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bin_dir = _pg_bin()
    if bin_dir is None or shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("PostgreSQL binaries (or root to run them as 'postgres') are not available")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed")
    root = Path(tempfile.mkdtemp(prefix="tastemaker-pg-"))
    os.chmod(root, 0o777)
    data, port = root / "data", free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)

    as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"),
                "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_server):
    """The URL of a new, empty database on the throwaway PostgreSQL, dropped after the test."""
    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()
