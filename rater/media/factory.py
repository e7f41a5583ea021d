"""Choosing a media backend: libVLC first, QtMultimedia as the fallback.

Both backends are imported here lazily, so that ``import rater.media`` costs
neither libVLC's nor Qt's start-up time.
"""

from __future__ import annotations

import logging
import os

from rater.media.base import MediaError, Player

log = logging.getLogger(__name__)

ENV_VAR = "RATER_MEDIA_BACKEND"
_CHOICES = ("auto", "vlc", "qt")


def create_player(prefer: str = "auto", headless: bool = False) -> Player:
    """Return a ready :class:`Player`; its ``backend_name`` says which backend.

    ``prefer`` is ``"auto"`` (libVLC, else QtMultimedia), ``"vlc"`` or ``"qt"``.
    With ``"auto"``, the environment variable ``RATER_MEDIA_BACKEND=vlc|qt``
    decides instead, so a rater's machine can be switched without code.
    ``headless`` plays without any video or audio device (tests, benchmarks).
    A named backend that is unavailable raises MediaError rather than falling
    back silently; QtMultimedia also needs an existing QApplication.
    """
    choice = prefer.strip().lower()
    if choice not in _CHOICES:
        raise ValueError(f"prefer must be one of {_CHOICES}, not {prefer!r}")
    if choice == "auto":
        env = os.environ.get(ENV_VAR, "").strip().lower()
        if env in ("vlc", "qt"):
            choice = env
        elif env:
            log.warning("ignoring %s=%r (expected vlc or qt)", ENV_VAR, env)
    problems = []
    for name, make in (("vlc", _make_vlc), ("qt", _make_qt)):
        if choice not in ("auto", name):
            continue
        try:
            player = make(headless)
        except MediaError as exc:
            problems.append(str(exc))
            log.info("media backend %s unavailable: %s", name, exc)
            continue
        log.info("media backend: %s", player.backend_name)
        return player
    raise MediaError("No media player is available. " + " ".join(problems))


def _make_vlc(headless: bool) -> Player:
    try:
        from rater.media.vlc_backend import VlcPlayer
    # python-vlc raises NotImplementedError (or OSError) when libvlc5 is missing.
    except (ImportError, OSError, NotImplementedError) as exc:
        raise MediaError(f"libVLC is not installed ({exc}).") from exc
    return VlcPlayer(headless=headless)


def _make_qt(headless: bool) -> Player:
    try:
        from rater.media.qtmm_backend import QtMultimediaPlayer
    except ImportError as exc:
        raise MediaError(f"QtMultimedia is not installed ({exc}).") from exc
    return QtMultimediaPlayer(headless=headless)
