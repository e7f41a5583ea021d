"""The process-wide libVLC instance and file parsing, shared by the player and probing.

No Qt here.  ``import vlc`` raises (NotImplementedError or OSError) when
libvlc5 is not installed; callers that can live without libVLC catch that.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

import vlc

from rater.media.base import MediaError, MediaInfo
from rater.media.files import check_media_file, undecodable

log = logging.getLogger(__name__)

PARSE_TIMEOUT_MS = 5000

# Pitch is kept at other rates by the scaletempo filter, which
# --audio-time-stretch enables (libVLC's default, stated so it stays true).
# --no-xlib: Qt owns the X connection; libVLC must not call XInitThreads.
_COMMON_ARGS = [
    "--quiet",
    "--no-xlib",
    "--audio-time-stretch",
    "--no-video-title-show",
    "--no-snapshot-preview",
    "--no-stats",
]
# With a DISPLAY set, a non-dummy vout ignores a fake (offscreen) window id and
# opens its own top-level window, so headless always means dummy outputs.
_HEADLESS_ARGS = ["--vout=dummy", "--aout=dummy", "--no-disable-screensaver"]

_instances: dict[bool, vlc.Instance] = {}
_instances_lock = threading.Lock()


def has_sound_output() -> bool:
    """False on a Linux machine with neither a sound card nor a sound server.

    There libVLC's ALSA output prints thousands of "ALSA lib … cannot find
    card" lines straight to the terminal (alsa-lib writes them itself, past
    ``--quiet``), so the player uses the silent output instead.
    """
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("PULSE_SERVER"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and any(os.path.exists(os.path.join(runtime, p)) for p in ("pulse/native", "pipewire-0")):
        return True
    try:
        with open("/proc/asound/cards", encoding="ascii", errors="replace") as fh:
            cards = fh.read()
    except OSError:
        return False
    return bool(cards.strip()) and "no soundcards" not in cards


def instance_args(headless: bool) -> list[str]:
    """The libVLC arguments used for a (headless) instance."""
    if headless:
        return _COMMON_ARGS + _HEADLESS_ARGS
    if not has_sound_output():
        log.warning("no sound card or sound server found: recordings play without sound")
        return [*_COMMON_ARGS, "--aout=dummy"]
    return list(_COMMON_ARGS)


def vlc_instance(headless: bool | None = False) -> vlc.Instance:
    """The process-wide libVLC instance, created on first use.

    The app creates exactly one; a second is only made if code asks for the
    other output mode (tests embedding a window next to headless tests).
    ``headless=None`` means "any existing instance, else a headless one" —
    enough for parsing, which needs no output.
    """
    with _instances_lock:
        if headless is None:
            if _instances:
                return next(iter(_instances.values()))
            headless = True
        if headless not in _instances:
            inst = vlc.Instance(instance_args(headless))
            if inst is None:  # libvlc5 present but its plugins are not
                raise MediaError("libVLC could not start: its plugins are missing (install vlc-plugin-base).")
            log.info("libVLC %s started (headless=%s)", libvlc_version(), headless)
            _instances[headless] = inst
        return _instances[headless]


def libvlc_version() -> str:
    """The libVLC version as ``"3.0.21"``."""
    return vlc.libvlc_get_version().decode(errors="replace").split()[0]


def parse_media(path: str | os.PathLike[str], instance: vlc.Instance | None = None) -> MediaInfo:
    """Read duration and tracks, raising MediaError for files that will not play.

    libVLC reports no error at all for a corrupt or truncated file (it plays
    "to the end" in a few ms), so a local parse with an empty track list or
    zero duration is the only reliable sign.
    """
    p = check_media_file(path)
    inst = instance or vlc_instance(None)
    media = inst.media_new_path(str(p))
    try:
        parsed = threading.Event()
        media.event_manager().event_attach(vlc.EventType.MediaParsedChanged, lambda _e: parsed.set())
        if media.parse_with_options(vlc.MediaParseFlag.local, PARSE_TIMEOUT_MS) != 0:
            raise undecodable(path)
        parsed.wait(PARSE_TIMEOUT_MS / 1000 + 1)
        status = media.get_parsed_status()
        kinds = _track_types(media)
        duration = media.get_duration()
    finally:
        media.release()
    if status != vlc.MediaParsedStatus.done or not kinds or duration <= 0:
        log.warning("undecodable %s: status=%s tracks=%s duration=%s", p, status, kinds, duration)
        raise undecodable(path)
    return MediaInfo(duration, vlc.TrackType.video.value in kinds, vlc.TrackType.audio.value in kinds)


def _track_types(media: vlc.Media) -> set[int]:
    """Track type values of a parsed media.

    Done by hand because python-vlc's ``tracks_get()`` never releases the
    array libVLC allocates.
    """
    raw = ctypes.POINTER(vlc.MediaTrack)()
    count = vlc.libvlc_media_tracks_get(media, ctypes.byref(raw))
    if not count:
        return set()
    # libVLC fills in an array of track pointers; python-vlc's declaration
    # types it one level too shallow.
    array = ctypes.cast(raw, ctypes.POINTER(ctypes.POINTER(vlc.MediaTrack)))
    try:
        return {array[i].contents.type.value for i in range(count)}
    finally:
        vlc.libvlc_media_tracks_release(array, count)
