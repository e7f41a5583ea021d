"""Files written whole or not at all.

An export is written under hidden temporary names in the target folders,
flushed and fsynced, then renamed into place with ``os.replace`` (atomic on
the same file system) only when every output is complete. A crash, a full
disk or a cancelled export therefore leaves either the previous files or the
complete new ones, never half a file, no temporary file and no folder the
export created.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
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


def folder_error(folder: Path, exc: OSError) -> ExportError:
    """The coordinator's message for a folder that cannot be written to."""
    return ExportError(f"Cannot write to the folder {folder}: {exc.strerror or exc}. Choose a folder you can write to.")


def write_error(target: Path, exc: OSError) -> ExportError:
    """The coordinator's message for a failure while writing or replacing ``target``."""
    if isinstance(exc, PermissionError) and target.exists():
        return ExportError(f"Cannot replace {target}: {exc.strerror or exc}. "
                           "Is the file open in another program (e.g. Excel)? Close it and try again.")
    return ExportError(f"Could not write {target}: {exc.strerror or exc}. Nothing was written.")


@contextmanager
def atomic_file(target: str | os.PathLike[str], mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``target``; on a clean exit it replaces ``target``.

    Any exception (including :class:`ExportCancelled` and ``KeyboardInterrupt``)
    removes the temporary file and leaves ``target`` untouched. ``OSError`` is
    re-raised as :class:`ExportError` with a readable message.
    """
    target = check_target(Path(target))
    files = ExitStack()
    try:
        handle = files.enter_context(fileio.atomic_file(target, mode, **open_args))
    except OSError as exc:
        raise folder_error(target.parent, exc) from exc
    try:
        with files:
            yield handle
    except OSError as exc:
        raise write_error(target, exc) from exc
    log.info("wrote %s", target)


class Staging:
    """Outputs of one export, written under temporary names and put in place together.

    :meth:`file` and :meth:`folder` reserve the temporary names at once, so an
    unwritable target fails before any work; :meth:`commit` renames everything
    into place; :meth:`discard` (on any failure or cancel) removes every
    temporary file and every folder the export created.
    """

    def __init__(self) -> None:
        self._moves: list[tuple[Path, Path]] = []  # (temporary, final)
        self._temps: list[Path] = []
        self._created: list[Path] = []  # folders made for the export, deepest last

    def file(self, target: str | os.PathLike[str]) -> Path:
        """A temporary path beside ``target`` (created empty, private) that becomes ``target`` at commit."""
        target = check_target(Path(target))
        try:
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        except OSError as exc:
            raise folder_error(target.parent, exc) from exc
        os.close(fd)
        tmp = Path(name)
        self._temps.append(tmp)
        self._moves.append((tmp, target))
        return tmp

    def folder(self, folder: str | os.PathLike[str]) -> Path:
        """A hidden staging folder inside ``folder`` (made if missing); its files move into ``folder`` at commit."""
        folder = Path(folder).expanduser().absolute()
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from exc
        finally:
            self._created.extend(p for p in reversed(missing) if p.exists())
        if not folder.is_dir():
            raise ExportError(f"{folder} is not a folder.")
        try:
            stage = Path(tempfile.mkdtemp(dir=folder, prefix=".export-", suffix=".part"))
        except OSError as exc:
            raise folder_error(folder, exc) from exc
        self._temps.append(stage)
        return stage

    def move_folder(self, stage: Path, folder: Path, names: list[str]) -> list[Path]:
        """Register the staged files ``names`` to move from ``stage`` into ``folder``; returns the final paths."""
        finals = []
        for name in names:
            self._moves.append((stage / name, folder / name))
            finals.append(folder / name)
        return finals

    def commit(self) -> None:
        """Rename every staged file into place, then remove the staging folders."""
        folders = set()
        for tmp, final in self._moves:
            try:
                os.replace(tmp, final)
            except OSError as exc:
                raise write_error(final, exc) from exc
            folders.add(final.parent)
        self._moves.clear()
        for tmp in self._temps:
            if tmp.is_dir():
                with suppress(OSError):
                    tmp.rmdir()
        self._temps.clear()
        self._created.clear()
        for folder in folders:
            fileio.fsync_folder(folder)

    def discard(self) -> None:
        """Remove every temporary file and staging folder, and the folders this export created."""
        for tmp in self._temps:
            with suppress(OSError):
                if tmp.is_dir():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()
        for folder in reversed(self._created):
            with suppress(OSError):
                folder.rmdir()  # only if empty: a folder someone filled meanwhile stays
        self._temps.clear()
        self._moves.clear()
        self._created.clear()
