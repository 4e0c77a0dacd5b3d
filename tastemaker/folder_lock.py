"""One server per SQLite data folder: an exclusive lock file that names its holder (pid, address)."""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any


class FolderInUse(RuntimeError):
    """Another live process serves this folder; the message names it."""


class FolderLock:
    """An advisory `flock` on `<folder>/server.lock`, held for the life of the process (the OS drops it when the
    process dies, even by kill -9, so a crash never leaves a stale lock). The file says who holds it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, **about: Any) -> FolderLock:
        """Take the lock or raise FolderInUse naming the holder. Touches nothing else when it fails."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise FolderInUse(f"{self.path.parent} is already served by {_describe(holder)}; stop it first, or "
                              "use another data folder (a PostgreSQL store lets several servers share one).") \
                from None
        self._fd = fd
        self.update(**about)
        return self

    def update(self, **about: Any) -> None:
        """Rewrite what the lock file says about its holder (the port, once it is bound)."""
        if self._fd is None:
            return
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), **about}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read(fd: int) -> dict[str, Any]:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}


def _describe(holder: dict[str, Any]) -> str:
    what = f"process {holder.get('pid', '?')}"
    if holder.get("port"):
        what += f" (tastemaker serve on {holder.get('address') or '?'}:{holder['port']})"
    elif holder.get("mode"):
        what += f" ({holder['mode']})"
    return what
