"""`tastemaker serve --processes N`: one listening socket served by N processes over one store (uvicorn's
supervisor restarts a process that dies). The parent holds the data folder's lock and recovers left-over jobs once;
each process claims jobs through the store's leases, so the processes split the work and never run one job twice."""
from __future__ import annotations

import os
import socket
from typing import Any

from .settings import Settings

LOG_LEVEL_ENV = "TASTEMAKER_GROUP_LOG_LEVEL"


def settings_to_environment(settings: Settings, log_level: str) -> None:
    """The parent's effective settings (CLI flags included) as TASTEMAKER_* variables for the processes it
    spawns: they read their settings from the environment, as any Tastemaker does."""
    for name, value in settings.portable().items():
        if value is not None:
            os.environ[f"TASTEMAKER_{name.upper()}"] = value if isinstance(value, str) else _json(value)
    os.environ[LOG_LEVEL_ENV] = log_level


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def member_app() -> Any:
    """The ASGI app of one process of the group (uvicorn's factory, imported in each spawned process)."""
    from .api.app import App
    from .observability import configure_logging
    from .service import Service

    settings = Settings()
    configure_logging(settings.log_format, os.environ.get(LOG_LEVEL_ENV, "info"))
    return App(Service(settings, mode="member"))


def __getattr__(name: str) -> Any:
    """`member_protocol`: the HTTP protocol with the request-head deadline, built in each process from its settings
    (uvicorn imports it by name: a class made at run time cannot travel to a spawned process)."""
    if name == "member_protocol":
        from .api.limits import head_deadline

        return head_deadline(Settings().body_timeout_seconds)
    raise AttributeError(name)


def serve_group(sock: socket.socket, processes: int, log_level: str) -> None:
    """Run `processes` server processes on the bound socket until stopped (SIGINT/SIGTERM)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("tastemaker.server_group:member_app", factory=True, workers=processes,
                            log_level=log_level, lifespan="on", access_log=False, log_config=None,
                            timeout_keep_alive=75, http="tastemaker.server_group:member_protocol")
    Multiprocess(config, sockets=[sock]).run()
