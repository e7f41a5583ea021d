"""Inspecting recordings at import time, without Qt.

``probe`` uses libVLC's parser when libVLC is installed (the same check the
player makes, so a file that probes fine will load), else ``ffprobe``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable

from rater.media.base import MediaError, MediaInfo
from rater.media.files import check_media_file, undecodable

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
FFPROBE_TIMEOUT_S = 60


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Duration and track kinds of a recording; MediaError if it will not play."""
    check_media_file(path)
    parse = _vlc_parser()
    if parse is not None:
        return parse(path)
    ffprobe = shutil.which("ffprobe")
    if ffprobe is not None:
        return probe_with_ffprobe(path, ffprobe)
    raise MediaError("Recordings cannot be inspected: neither libVLC nor ffprobe is installed.")


def _vlc_parser() -> Callable[[str | os.PathLike[str]], MediaInfo] | None:
    """``parse_media`` if libVLC really works here, else None."""
    try:
        from rater.media import vlc_backend
    except (ImportError, OSError, NotImplementedError) as exc:
        log.debug("libVLC unavailable for probing: %s", exc)
        return None
    try:
        instance = vlc_backend.vlc_instance(None)
    except MediaError as exc:
        log.debug("libVLC unavailable for probing: %s", exc)
        return None
    return lambda path: vlc_backend.parse_media(path, instance)


def probe_with_ffprobe(path: str | os.PathLike[str], ffprobe: str = "ffprobe") -> MediaInfo:
    """Probe with the ffprobe command; cover art in audio files is not counted as video."""
    p = check_media_file(path)
    cmd = [
        ffprobe,
        "-v",
        "error",
        "-of",
        "json",
        "-show_entries",
        "format=duration:stream=codec_type:stream_disposition=attached_pic",
        str(p),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=FFPROBE_TIMEOUT_S)
        data = json.loads(done.stdout or "{}")
        seconds = float(data.get("format", {}).get("duration") or 0)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        log.warning("ffprobe failed on %s: %s", p, exc)
        raise undecodable(path) from exc
    kinds = {s.get("codec_type") for s in data.get("streams", []) if not s.get("disposition", {}).get("attached_pic")}
    if done.returncode != 0 or seconds <= 0 or not kinds & {"audio", "video"}:
        log.warning("undecodable %s: rc=%s %s", p, done.returncode, done.stderr.strip()[:200])
        raise undecodable(path)
    return MediaInfo(round(seconds * 1000), "video" in kinds, "audio" in kinds)


def file_checksum(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file as hex, read in 1 MiB chunks (recordings can be GBs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
