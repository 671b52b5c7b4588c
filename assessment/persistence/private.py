"""Files only their owner may read: the SQLite database, backups, exports and reports.

Each holds personal data, so each is created with mode 0600 (and its folder, when this code
creates it, 0700) whatever the process's umask; an existing file is tightened to 0600 when it
is written again. SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, Literal, overload

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; a folder created here is 0700."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_FOLDER, exist_ok=True)
        with contextlib.suppress(OSError):  # mkdir's mode is filtered by the umask
            path.chmod(PRIVATE_FOLDER)


def tighten(path: Path) -> None:
    """Take the group and other permissions off an existing file of ours (no-op otherwise)."""
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)


@overload
def open_private(path: Path, mode: Literal["w"]) -> IO[str]: ...
@overload
def open_private(path: Path, mode: Literal["wb"]) -> IO[bytes]: ...
def open_private(path: Path, mode: Literal["w", "wb"]) -> IO[str] | IO[bytes]:
    """Open ``path`` for writing (truncated), created 0600 or tightened to it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE)
    except OSError:
        os.close(descriptor)
        raise
    if mode == "wb":
        return os.fdopen(descriptor, "wb")
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")


def create_private(path: Path) -> None:
    """Create an empty ``path`` with mode 0600 unless it exists (then tighten it)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten(path)
        return
    os.close(descriptor)


__all__ = [
    "PRIVATE_FILE",
    "PRIVATE_FOLDER",
    "create_private",
    "open_private",
    "private_folder",
    "tighten",
]
