"""Checks every backend runs before handing a file to a native decoder.

The messages are shown to raters verbatim, so they are written for people,
and they are the same whichever backend plays the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from rater.media.base import MediaError


def not_found(path: str | os.PathLike[str]) -> MediaError:
    """The error for a recording that does not exist."""
    return MediaError(f"The recording file was not found: {path}")


def empty_file(path: str | os.PathLike[str]) -> MediaError:
    """The error for a zero-byte recording (an interrupted copy, typically)."""
    return MediaError(f"The recording file is empty (0 bytes): {path}")


def undecodable(path: str | os.PathLike[str]) -> MediaError:
    """The error for a file the decoder cannot make sense of."""
    return MediaError(f"The recording could not be decoded — it may be corrupt or truncated: {path}")


def check_media_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as an absolute Path, or raise MediaError if it cannot be opened.

    Catches the cases native decoders report badly or not at all: missing,
    not a regular file, zero bytes, unreadable.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise not_found(path)
    try:
        with p.open("rb") as fh:
            first = fh.read(1)
    except OSError as exc:
        raise MediaError(f"The recording file cannot be read ({exc.strerror}): {path}") from exc
    if not first:
        raise empty_file(path)
    return p.resolve()
