"""One `floodbot run` per database: an exclusive lock on `<database>.lock`, which holds the owner's pid.

`flock` is released by the kernel when the process dies (even on kill -9), so a stale lock file
never blocks a restart; the pid inside is only there to name the running instance.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from subscribers.db import PRIVATE_FILE_MODE


class InstanceLockError(Exception):
    """The instance lock cannot be taken (exit 2: the operator must act)."""


class InstanceLockedError(InstanceLockError):
    """Another `floodbot run` holds this database."""


def lock_path(database: Path) -> Path:
    """The lock file beside the database."""
    return database.with_name(database.name + ".lock")


@contextmanager
def instance_lock(database: Path) -> Iterator[Path]:
    """Hold the database's instance lock for the block, or raise `InstanceLockedError` naming the holder."""
    path = lock_path(database)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise InstanceLockError(
            f"cannot create the lock file {path}: {exc.strerror}; its folder must be writable"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise InstanceLockedError(
                f"another floodbot run (pid {holder}) is using {database}; stop it first (lock: {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        # Closing releases the lock; the file stays (removing it would race a starting instance).
        os.close(fd)
