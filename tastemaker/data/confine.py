"""Local paths a client names (import sources, export and batch job input and output, data deletion lists) are
confined to the folders the operator allows (Settings.local_roots, default `<data_dir>/files`).

A path is resolved first (symlinks and `..`, Path.resolve(strict=False)) and must then lie inside one of the
resolved roots; a refused path is never opened, listed or tested for existence. Create* checks the location it
is given (InvalidInputException); the job checks again right before it opens or writes each file (JobFailed), and
opens the resolved path, so a symlink swapped in after Create does not lead outside either."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

Roots = Sequence[Path]
SETTING = "TASTEMAKER_LOCAL_ROOTS"


class Refused(Exception):
    """A local path outside the allowed roots (or one that cannot be a local path); the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def allowed_roots(settings: Any) -> tuple[Path, ...]:
    """The resolved folders local paths must lie in: `settings.local_roots`, or `<data_dir>/files`."""
    roots = settings.local_roots if settings.local_roots is not None else [Path(settings.data_dir) / "files"]
    return tuple(Path(r).expanduser().resolve() for r in roots)


def is_s3(location: str) -> bool:
    return location.startswith("s3://")


def local_path(location: str | Path) -> Path:
    """The path a `file://` URL or a plain path names (not yet resolved); Refused for any other URL scheme."""
    text = str(location)
    parsed = urlparse(text)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise Refused(f"Location {text}: a file:// URL must name a local path (file:///path), not host "
                          f"{parsed.netloc!r}.")
        return Path(unquote(parsed.path))
    if "://" in text:
        raise Refused(f"Location {text}: use s3://bucket/key, file:///path or a local path.")
    return Path(text)


def _describe(roots: Roots) -> str:
    return ", ".join(str(r) for r in roots) if roots else "none"


def confined(location: str | Path, roots: Roots) -> Path:
    """The resolved local path of `location` when it lies inside one of `roots` (resolved); else Refused."""
    path = local_path(location)
    resolved = Path(os.path.abspath(path.expanduser())).resolve(strict=False)
    if any(resolved == root or resolved.is_relative_to(root) for root in roots):
        return resolved
    raise Refused(f"Local path {location} is outside the folders this server may read and write "
                  f"(allowed: {_describe(roots)}; symlinks and '..' count where they lead). Move the file under "
                  f"one of them, use an s3:// location, or allow more folders with the {SETTING} setting "
                  "(local_roots).")


def check_create(settings: Any, location: str, what: str = "Location") -> None:
    """Create-time check of a client's location: s3:// passes; a local one must lie inside the allowed roots."""
    from ..errors import InvalidInputException

    if is_s3(location):
        return
    try:
        confined(location, allowed_roots(settings))
    except Refused as exc:
        raise InvalidInputException(f"{what}: {exc.message}") from None


def check_job(location: str | Path, roots: Roots) -> Path:
    """Job-time check right before a local file is opened or written: the resolved path, or JobFailed."""
    from ..jobs import JobFailed

    try:
        return confined(location, roots)
    except Refused as exc:
        raise JobFailed(exc.message) from None


def open_read(path: str | Path, roots: Roots) -> int:
    """A read-only descriptor of a local file checked against `roots` right before opening: the resolved path is
    opened without following a last-moment symlink, and where it ended up is checked once more (Linux /proc)."""
    from ..jobs import JobFailed

    resolved = check_job(path, roots)
    try:
        fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise JobFailed(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        real = Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return fd
    if not any(real == root or real.is_relative_to(root) for root in roots):
        os.close(fd)
        check_job(real, roots)  # raises
    return fd


def open_write(path: str | Path, roots: Roots) -> int:
    """A write descriptor (created or truncated) of a local file checked against `roots` right before opening;
    its folders are made first, and a symlink at the file itself is not followed."""
    from ..jobs import JobFailed

    resolved = check_job(path, roots)
    try:
        resolved.parent.mkdir(parents=True, exist_ok=True)
        resolved = check_job(resolved, roots)  # the folders made may not have led elsewhere meanwhile
        return os.open(resolved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
                       | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise JobFailed(f"Cannot write {path}: {exc.strerror}.") from None
