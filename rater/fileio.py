"""Files written whole or not at all.

A file is written to a hidden temporary file in the target folder, flushed
and fsynced, then renamed over the target with ``os.replace`` (atomic on the
same file system), and the folder is fsynced so the rename itself is durable.
A crash, a full disk or an exception while writing therefore leaves either
the previous file or the complete new one, never half a file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)


@contextmanager
def atomic_file(target: str | os.PathLike[str], mode: str = "wb", *, permissions: int | None = None,
                **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``target`` (``open_args`` as for :func:`open`); a clean exit puts it in place.

    Any exception (``KeyboardInterrupt`` included) removes the temporary file,
    leaves ``target`` untouched and is re-raised as it is; an ``OSError`` from
    creating, writing or renaming the file comes through unchanged. The
    temporary file is private (0600) unless ``permissions`` gives the mode the
    finished file should have.
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if permissions is not None:
            # Best effort: FAT/exFAT USB sticks have no permissions to set.
            with suppress(OSError):
                os.chmod(tmp, permissions)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    fsync_folder(target.parent)


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Make a rename or removal in ``folder`` durable (POSIX; Windows cannot open folders for this)."""
    if os.name == "nt":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
