"""The libVLC backend (python-vlc).  No Qt here: the Qt glue lives in ``rater.ui``.

Threading: libVLC delivers events on its own thread and is not re-entrant, so
the event handlers below only update Python-side state and call the
registered callbacks; every libVLC call is made by the owner's thread (the
GUI thread in the app).  ``_lock`` guards Python state only and is never held
across a libVLC call — ``stop()`` waits for libVLC's threads, which may be
waiting for an event handler that wants the lock.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

import vlc

from rater.media.base import MediaError, MediaInfo, PlayerCallbacks, PlayerState
from rater.media.clock import SmoothClock
from rater.media.vlc_instance import libvlc_version, parse_media, vlc_instance

log = logging.getLogger(__name__)

MIN_RATE, MAX_RATE = 0.5, 2.0
DEFAULT_FRAME_MS = 40  # 25 fps, when a file does not say
# Opening a video for its first picture: how long to wait for libVLC to show it.
PRIME_TIMEOUT_S = 2.0


class VlcPlayer:
    """:class:`rater.media.base.Player` on libVLC; see that module for the contract."""

    def __init__(self, headless: bool = False) -> None:
        self._headless = headless
        self._instance = vlc_instance(headless)
        self._mp = self._instance.media_player_new()
        # Keys and clicks must reach Qt (shortcuts), not libVLC's video window.
        self._mp.video_set_key_input(False)
        self._mp.video_set_mouse_input(False)
        self.backend_name = f"libVLC {libvlc_version()}"
        self._lock = threading.Lock()
        self._callbacks = PlayerCallbacks()
        self._clock = SmoothClock()
        self._state = PlayerState.EMPTY
        self._path: str | None = None
        self._info: MediaInfo | None = None
        self._input_open = False  # libVLC has a running (playing/paused) input
        self._start_ms = 0  # where the next input starts when none is open
        self._rate = 1.0
        self._volume = 100
        # Where a paused input really is after a seek or frame step.  libVLC
        # lands seeks made while playing on the exact frame (measured with
        # frame-coded files), but a paused seek may show a picture up to
        # ~150 ms early and next_frame() leaves its clock behind; so the
        # target is kept here and sought again at the moment play resumes.
        self._paused_at: int | None = None
        events = self._mp.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._on_vlc_end)
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_vlc_error)

    # -- libVLC thread -------------------------------------------------------
    def _on_vlc_end(self, _event: vlc.Event) -> None:
        with self._lock:
            if self._state not in (PlayerState.PLAYING, PlayerState.PAUSED):
                return
            self._state = PlayerState.ENDED
        self._notify_state(PlayerState.ENDED)
        if self._callbacks.on_end:
            self._callbacks.on_end()

    def _on_vlc_error(self, _event: vlc.Event) -> None:
        with self._lock:
            self._state = PlayerState.ERROR
        log.error("libVLC playback error for %s", self._path)
        self._notify_state(PlayerState.ERROR)
        if self._callbacks.on_error:
            self._callbacks.on_error(f"Playback failed — libVLC could not play the recording: {self._path}")

    # -- owner thread --------------------------------------------------------
    def set_callbacks(self, callbacks: PlayerCallbacks) -> None:
        """Register event receivers; libVLC events reach them on libVLC's own thread."""
        self._callbacks = callbacks

    def set_window(self, win_id: int) -> None:
        """Draw video into native window ``win_id``; the one place that embeds."""
        if self._headless:
            return  # dummy vout: nothing to draw, and see _HEADLESS_ARGS
        if sys.platform.startswith("linux"):
            self._mp.set_xwindow(win_id)
        elif sys.platform == "win32":
            self._mp.set_hwnd(win_id)
        elif sys.platform == "darwin":
            self._mp.set_nsobject(win_id)

    def load(self, path: str, start_ms: int = 0) -> MediaInfo:
        """Open ``path`` paused at ``start_ms``; raise MediaError if it cannot be played."""
        self._close_input()
        self._path, self._info = None, None
        try:
            info = parse_media(path, self._instance)
        except MediaError:
            self._set_state(PlayerState.ERROR)
            raise
        start = max(0, min(int(start_ms), info.duration_ms))
        self._path, self._info, self._start_ms = str(path), info, start
        self._clock.reset(start)
        self._set_state(PlayerState.PAUSED)
        if info.has_video:
            self._prime()
        return info

    def play(self) -> None:
        """Start or resume; after the end, restart from 0."""
        state = self._state
        if state in (PlayerState.EMPTY, PlayerState.ERROR, PlayerState.PLAYING):
            return
        if state is PlayerState.ENDED:
            self._close_input()  # libVLC ignores play() once Ended
        if self._paused_at is not None and self._input_open:
            self._mp.set_time(self._paused_at)
            self._clock.hold(self._paused_at, ignore=(self._mp.get_time(),))
            self._paused_at = None
        if self._input_open:
            self._mp.set_pause(0)
        else:
            self._open_input()
        self._clock.run(self._mp.get_time())
        self._set_state(PlayerState.PLAYING)

    def pause(self) -> None:
        """Pause; a no-op unless playing."""
        if self._state is not PlayerState.PLAYING:
            return
        self._mp.set_pause(1)
        self._clock.halt()
        self._set_state(PlayerState.PAUSED)

    def stop(self) -> None:
        """Pause and return to 0."""
        if self._state in (PlayerState.EMPTY, PlayerState.ERROR):
            return
        self._close_input()
        self._set_state(PlayerState.PAUSED)

    def seek_ms(self, ms: int) -> None:
        """Jump to ``ms`` (clamped), playing or paused."""
        if self._info is None or self._state in (PlayerState.EMPTY, PlayerState.ERROR):
            return
        ms = max(0, min(int(ms), self.duration_ms()))
        if self._state is PlayerState.ENDED:
            self._close_input()
            self._set_state(PlayerState.PAUSED)
        self._paused_at = None
        if self._input_open:
            before = self._mp.get_time()
            self._mp.set_time(ms)
            self._clock.hold(ms, ignore=(before,))
            if self._state is PlayerState.PAUSED:
                self._paused_at = ms
        else:
            self._start_ms = ms
            self._clock.reset(ms)
            if self._info.has_video:
                self._prime()  # show the picture at ms, as an open input would

    def step_frame(self, direction: int) -> None:
        """One frame forward (``direction`` > 0) or back, while paused on a video."""
        if self._state is not PlayerState.PAUSED or self._info is None or not self._info.has_video:
            return
        if not self._input_open:
            self._prime()
        frame = self.frame_ms()
        here = self.position_ms()
        target = max(0, min(here + (frame if direction > 0 else -frame), self.duration_ms()))
        # set_time, not next_frame(): next_frame() right after a seek drops
        # that seek; the still may be a frame or two off, play starts exactly.
        self._mp.set_time(target)
        self._clock.reset(target)
        self._paused_at = target

    def frame_ms(self) -> int:
        """Duration of one video frame in ms (40 when the file does not say)."""
        fps = self._mp.get_fps() if self._input_open else 0.0
        return round(1000 / fps) if fps and fps > 1 else DEFAULT_FRAME_MS

    def position_ms(self) -> int:
        """Smoothed current time."""
        if self._state is PlayerState.ENDED:
            return self.duration_ms()
        if not self._input_open:
            return self._start_ms
        if self._paused_at is not None:
            return self._paused_at
        return min(self._clock.sample(self._mp.get_time()), self.duration_ms())

    def duration_ms(self) -> int:
        """Length in ms; refined from the running input (parse estimates MP3 lengths)."""
        if self._info is None:
            return 0
        if self._input_open:
            length = self._mp.get_length()
            if length > 0 and length != self._info.duration_ms:
                self._info = MediaInfo(length, self._info.has_video, self._info.has_audio)
        return self._info.duration_ms

    def state(self) -> PlayerState:
        """The current state."""
        return self._state

    def set_rate(self, rate: float) -> None:
        """Playback speed, clamped to 0.5–2.0; pitch is preserved (scaletempo)."""
        self._rate = max(MIN_RATE, min(float(rate), MAX_RATE))
        self._clock.set_rate(self._rate)
        self._mp.set_rate(self._rate)

    def rate(self) -> float:
        """The requested playback speed."""
        return self._rate

    def set_volume(self, volume: int) -> None:
        """Volume 0–100 (libVLC itself would amplify up to 200)."""
        self._volume = max(0, min(int(volume), 100))
        self._mp.audio_set_volume(self._volume)

    def volume(self) -> int:
        """The requested volume (a dummy audio output reports none of its own)."""
        return self._volume

    def close(self) -> None:
        """Release the libVLC player; the shared instance stays for reuse."""
        events = self._mp.event_manager()
        events.event_detach(vlc.EventType.MediaPlayerEndReached)
        events.event_detach(vlc.EventType.MediaPlayerEncounteredError)
        self._close_input()
        self._mp.release()
        self._info = None
        self._set_state(PlayerState.EMPTY)

    # -- helpers -------------------------------------------------------------
    def _prime(self) -> None:
        """Open the input and stop on its first picture, so a video shows a frame before Play.

        libVLC draws nothing until it plays, and its ``:start-paused`` option
        never creates the video output.  So play muted from the start
        position until the first picture is out and pause: the picture shown
        may be a few frames past the start, Play resumes exactly there (see
        ``_paused_at``).  Blocks for the ~0.3 s this takes
        (bench/bench_first_frame.py measures it).
        """
        start = self._start_ms
        self._mp.audio_set_mute(True)
        self._open_input()  # with :start-time, so the first picture is already the right one
        deadline = time.monotonic() + PRIME_TIMEOUT_S
        while time.monotonic() < deadline and not (self._mp.get_time() > start and self._mp.has_vout()):
            if self._state is not PlayerState.PAUSED:  # ended or failed while opening
                break
            time.sleep(0.005)
        self._mp.set_pause(1)
        self._mp.audio_set_mute(False)
        self._mp.audio_set_volume(self._volume)
        self._clock.reset(start)
        self._paused_at = start

    def _open_input(self) -> None:
        # A fresh Media each time: :start-time sticks to the object it is set on.
        media = self._instance.media_new_path(self._path)
        if self._start_ms > 0:
            media.add_option(f":start-time={self._start_ms / 1000:.3f}")
        self._mp.set_media(media)
        media.release()  # the player holds its own reference
        self._clock.hold(self._start_ms)
        self._mp.set_rate(self._rate)
        self._mp.play()
        self._mp.audio_set_volume(self._volume)
        self._input_open = True

    def _close_input(self) -> None:
        self._paused_at = None
        if self._input_open:
            self._mp.stop()
            self._input_open = False
        self._start_ms = 0
        self._clock.reset(0)

    def _set_state(self, state: PlayerState) -> None:
        with self._lock:
            changed = state is not self._state
            self._state = state
        if changed:
            self._notify_state(state)

    def _notify_state(self, state: PlayerState) -> None:
        if self._callbacks.on_state:
            self._callbacks.on_state(state)
