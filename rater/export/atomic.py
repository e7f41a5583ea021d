"""Files written whole or not at all.

An export is written to a hidden temporary file in the target folder, flushed
and fsynced, then renamed over the target with ``os.replace`` (atomic on the
same file system). A crash, a full disk or a cancelled export therefore
leaves either the previous file or the complete new one, never half a file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from rater import fileio

log = logging.getLogger(__name__)


class ExportError(Exception):
    """An export could not be written; the message is meant for the coordinator."""


class ExportCancelled(Exception):
    """The user cancelled the export; nothing was left behind."""


def check_target(target: Path) -> Path:
    """The absolute target path, or :class:`ExportError` saying why it cannot be written."""
    target = Path(target).expanduser().absolute()
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name such as {target / 'pooled.xlsx'}.")
    folder = target.parent
    if not folder.exists():
        raise ExportError(f"Cannot write {target.name}: the folder {folder} does not exist.")
    if not folder.is_dir():
        raise ExportError(f"Cannot write {target.name}: {folder} is not a folder.")
    return target


@contextmanager
def atomic_file(target: str | os.PathLike[str], mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``target``; on a clean exit it replaces ``target``.

    Any exception (including :class:`ExportCancelled` and ``KeyboardInterrupt``)
    removes the temporary file and leaves ``target`` untouched. ``OSError`` is
    re-raised as :class:`ExportError` with a readable message.
    """
    target = check_target(Path(target))
    folder = target.parent
    files = ExitStack()
    try:
        handle = files.enter_context(fileio.atomic_file(target, mode, **open_args))
    except OSError as exc:
        raise ExportError(f"Cannot write to the folder {folder}: {exc.strerror or exc}. "
                          "Choose a folder you can write to.") from exc
    try:
        with files:
            yield handle
    except OSError as exc:
        if isinstance(exc, PermissionError) and target.exists():
            raise ExportError(f"Cannot replace {target}: {exc.strerror or exc}. "
                              "Is the file open in another program (e.g. Excel)? Close it and try again.") from exc
        raise ExportError(f"Could not write {target}: {exc.strerror or exc}. Nothing was written.") from exc
    log.info("wrote %s", target)
