"""Typed settings: one object, environment prefix TASTEMAKER_, every backend a URL."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".tastemaker"


def _path_list(value: Any) -> Any:
    """A list of paths from the environment: a JSON list, or paths separated by os.pathsep (':') or commas."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [p.strip() for part in text.split(os.pathsep) for p in part.split(",") if p.strip()]
    return value


class Settings(BaseSettings):
    """Everything `tastemaker serve` and `tastemaker.embedded()` need to start."""

    model_config = SettingsConfigDict(env_prefix="TASTEMAKER_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    """Folder for the SQLite metadata, the Parquet lake and the model artifacts."""
    store_url: str | None = None
    """Metadata store: `sqlite:///path` (default: `<data_dir>/tastemaker.db`) or `postgresql://...`."""
    lake_url: str | None = None
    """Where imported data and models live: `file:///path` (default `<data_dir>/lake`) or `s3://bucket/prefix`."""
    executor: str = "thread"
    """Job executor: `thread` (default), `inline` (runs jobs at once; tests), `ray` (each job a task on a new local Ray
    started with the service) or `ray://host:port` (a Ray cluster's Ray Client port; its nodes need tastemaker
    installed and must reach the store and lake URLs, i.e. PostgreSQL and S3). Needs the `ray` extra."""
    workers: int = 2
    """Heavy jobs (training, imports, batch jobs) run at once: threads of the thread executor, CPUs of a local Ray."""
    light_workers: int = 2
    """Light jobs (campaign deployments and updates: loading a model) run at once, on threads of the serving process,
    beside the heavy ones: a deployment never waits behind a training."""
    job_lease_seconds: float = 30.0
    """How long a server's claim on a running job holds without renewal (it renews every third of this). When a
    server dies, another server of the same store retries its jobs once this has passed."""
    host: str = "127.0.0.1"
    """Address `tastemaker serve` listens on."""
    port: int = 8080
    """Port `tastemaker serve` listens on."""
    log_format: Literal["text", "json"] = "text"
    """Log lines of `tastemaker serve` (one per request and per job transition, docs/operations.md): `text`
    (default, `key=value` fields) or `json` (one JSON object a line)."""
    auto_training_check_seconds: float = 60.0
    """How often the service looks for solutions whose automatic training is due (0, or the inline executor:
    never; performAutoTraining solutions then only get the versions you create)."""
    account_id: str = "000000000000"
    """The 12-digit account id used in ARNs."""
    region: str = "us-east-1"
    """Region used in ARNs when a request does not name one in its signature."""
    evaluation_truth: Literal["newest-10%", "next-item"] = "newest-10%"
    """What GetSolutionMetrics counts as a held-out user's truth: Personalize's documented newest 10% of rows,
    or only the row that follows the input (`next-item`, one truth item per user; docs/evaluation.md)."""
    credentials_file: Path | None = None
    """TOML or JSON file of access key id -> secret_access_key, account_id, allowed_actions: when set, every API
    request must be SigV4-signed with one of them (docs/security.md)."""
    allow_unauthenticated: bool = False
    """Let `tastemaker serve` listen beyond loopback without a credentials file (it logs a warning)."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Largest request body accepted; a bigger one is answered 413 without being read."""
    body_timeout_seconds: float = 30.0
    """A request's head, then its body, must arrive whole within this many seconds: else the connection is closed
    (a late body is answered 408 first)."""
    max_json_depth: int = 64
    """Deepest nesting of JSON arrays/objects accepted in a request body (deeper: 400 InvalidInputException)."""
    allowed_hosts: str = ""
    """Comma-separated Host names served (`name`, `.suffix`, `*`). Default: IP addresses, localhost, the bound
    host and this machine's names; any other name is refused (DNS-rebinding defence)."""
    local_roots: Annotated[list[Path] | None, NoDecode, BeforeValidator(_path_list)] = None
    """Folders whose files clients may name as `file://` URLs or plain paths: import sources, export and batch job
    input and output, data deletion lists; anything else local is refused (s3:// is always allowed). Default: only
    `<data_dir>/files`. In the environment a JSON list or paths separated by `:` (os.pathsep) or commas; empty:
    no local paths at all. Symlinks and `..` are resolved before the check."""

    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir / 'tastemaker.db'}"

    def resolved_lake_url(self) -> str:
        return self.lake_url or (self.data_dir / "lake").resolve().as_uri()

    def portable(self) -> dict[str, Any]:
        """These settings as JSON for another process (a Ray worker): an absolute data dir, explicit URLs."""
        roots = None if self.local_roots is None else [p.resolve() for p in self.local_roots]
        s = self.model_copy(update={"data_dir": self.data_dir.resolve(), "local_roots": roots})
        return s.model_copy(update={"store_url": s.resolved_store_url(), "lake_url": s.resolved_lake_url()}
                            ).model_dump(mode="json")
