"""Inspecting recordings at import time, without Qt.

``probe`` uses libVLC when it is installed, else ``ffprobe``. With libVLC a
file must pass the player's own parse (duration and tracks) *and* really
decode: a first video frame or audio block at the start, and again at nine
tenths of its length (not nearer the end: libVLC only estimates the length of
some MP3 files). A header alone proves little — a copy cut short
with its index at the front parses fine and plays until the data runs out.
``ffprobe`` reads the container only (no decoding).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable

from rater.media.base import MediaError, MediaInfo
from rater.media.files import check_media_file, undecodable

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
FFPROBE_TIMEOUT_S = 60
DECODE_TIMEOUT_S = 5.0
# Where the second decode is tried, as a share of the length; recordings
# shorter than SHORT_MS are only decoded at the start.
TAIL_SHARE = 0.9
SHORT_MS = 4000
# libVLC's clock moves in ~250 ms steps and sits exactly on a seek target when
# there is nothing to play there; any step past it means data was decoded.
PAST_TARGET_MS = 100
END_MARGIN_MS = 1000


class ProbeUnavailable(MediaError):
    """Nothing here can inspect recordings (no libVLC, no ffprobe): not the file's fault."""


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Duration and track kinds of a recording; MediaError if it will not play."""
    check_media_file(path)
    parse = _vlc_parser()
    if parse is not None:
        return parse(path)
    ffprobe = shutil.which("ffprobe")
    if ffprobe is not None:
        return probe_with_ffprobe(path, ffprobe)
    raise ProbeUnavailable("Recordings cannot be inspected: neither libVLC nor ffprobe is installed.")


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
    def parse_and_decode(path: str | os.PathLike[str]) -> MediaInfo:
        info = vlc_backend.parse_media(path, instance)
        decode_with_vlc(path, info.duration_ms, instance)
        return info

    return parse_and_decode


def decode_with_vlc(path: str | os.PathLike[str], duration_ms: int, instance, timeout_s: float = DECODE_TIMEOUT_S) -> None:
    """Decode the start and the last seconds of ``path``; MediaError if either yields nothing.

    Frames and audio blocks go to callbacks into a small buffer (nothing is
    shown or heard). libVLC calls them on its own threads, so they only count.
    """
    import vlc  # present: the caller got an instance

    player = instance.media_player_new()
    media = instance.media_new_path(str(path))
    player.set_media(media)
    blocks = [0]
    frame = ctypes.create_string_buffer(16 * 16 * 4)

    # Kept in locals until the player is released: libVLC holds only raw pointers.
    @vlc.CallbackDecorators.VideoLockCb
    def lock(_opaque, planes):
        planes[0] = ctypes.cast(frame, ctypes.c_void_p).value

    @vlc.CallbackDecorators.VideoDisplayCb
    def shown(_opaque, _picture):
        blocks[0] += 1

    @vlc.CallbackDecorators.AudioPlayCb
    def heard(_opaque, _samples, _count, _pts):
        blocks[0] += 1

    ended = threading.Event()
    events = player.event_manager()
    events.event_attach(vlc.EventType.MediaPlayerEndReached, lambda _e: ended.set())
    events.event_attach(vlc.EventType.MediaPlayerEncounteredError, lambda _e: ended.set())
    player.video_set_callbacks(lock, None, shown, None)
    player.video_set_format("RV32", 16, 16, 16 * 4)
    player.audio_set_callbacks(heard, None, None, None, None, None)
    player.audio_set_format("S16N", 8000, 1)
    try:
        player.play()
        if not _wait(lambda: blocks[0] > 0, ended, timeout_s):
            log.warning("undecodable %s: no frame or audio block at the start", path)
            raise undecodable(path)
        if duration_ms > SHORT_MS:
            # Far enough from the end for playback to move on past the target.
            target = min(int(duration_ms * TAIL_SHARE), duration_ms - END_MARGIN_MS)
            player.set_time(target)
            before = blocks[0]
            # Blocks decoded before the seek may still arrive, and the clock jumps to the
            # target even with no data there: only playback moving on past it proves data.
            if not _wait(lambda: player.get_time() >= target + PAST_TARGET_MS and blocks[0] > before, ended,
                         timeout_s):
                log.warning("truncated %s: nothing decodes at %d of %d ms", path, target, duration_ms)
                raise MediaError(f"The recording breaks off before its end (nothing plays at {target // 1000} s "
                                 f"of {duration_ms // 1000} s) — it may be an incomplete copy: {path}")
    finally:
        player.stop()
        player.release()
        media.release()
    del lock, shown, heard


def _wait(done: Callable[[], bool], ended: threading.Event, timeout_s: float) -> bool:
    """Poll ``done`` until it holds (True), or the input ended or the time ran out (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return True
        if ended.is_set():
            return done()
        time.sleep(0.005)
    return False


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
