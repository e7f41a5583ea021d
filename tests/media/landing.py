"""Where a seek really lands, measured on the files of :mod:`generated` through a real VlcPlayer.

Video: libVLC draws into a buffer of ours instead of a window, and each
picture's frame number is read as it is drawn.  After a seek (while
playing, or while paused and then play), the first picture of the new
position gives the landing error ``frame start − target`` (a frame lasts
40 ms: a perfect seek gives −39…0 ms).

Audio: libVLC hands its decoded samples to a callback instead of a sound
device; open the file at the target and play: the distance to the first
click tells where decoding started: ``next whole second − distance``.

Both reach into ``VlcPlayer._mp`` (the libVLC player) for what only a
measurement needs.  Shared with bench/bench_seek.py.
"""

from __future__ import annotations

import math
import threading
import time

from generated import BITS, CLICK_RATE, FRAME_MS

SETTLE_S = 3.0


def _poll(predicate, timeout: float, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class FrameListener:
    """Receives every picture libVLC displays (instead of a window) and decodes its frame number.

    Must be created before the file is loaded.
    """

    def __init__(self, player, width: int = 160, height: int = 48) -> None:
        import ctypes

        import vlc

        self.width, self.height = width, height
        self._buffer = (ctypes.c_uint8 * (width * height * 4))()
        self._lock = threading.Lock()
        self.shown: list[tuple[float, int]] = []  # (perf_counter, frame start ms) per picture

        @vlc.CallbackDecorators.VideoLockCb
        def lock(_opaque, planes):
            planes[0] = ctypes.cast(self._buffer, ctypes.c_void_p)
            return None

        @vlc.CallbackDecorators.VideoDisplayCb
        def display(_opaque, _picture):
            value = self._decode()
            with self._lock:
                self.shown.append((time.perf_counter(), value))

        self._keep = (lock, display)  # the C side holds no reference
        player._mp.video_set_callbacks(lock, None, display, None)
        player._mp.video_set_format("RV32", width, height, width * 4)

    def _decode(self) -> int:
        n, row = 0, (self.height // 2) * self.width * 4
        for bit in range(BITS):
            x = int((bit + 0.5) * self.width / BITS)
            if self._buffer[row + x * 4 + 1] > 128:  # green byte of BGRA
                n |= 1 << bit
        return n * FRAME_MS

    def count(self) -> int:
        with self._lock:
            return len(self.shown)

    def last(self) -> int | None:
        with self._lock:
            return self.shown[-1][1] if self.shown else None

    def playback_start(self, since: int, timeout: float = SETTLE_S,
                       old: tuple[int, int] | None = None) -> tuple[float, int]:
        """(time, frame) of the first picture after index ``since`` that starts running playback.

        Right after a seek a stale picture or two may still be drawn (the
        paused still), and during playback the old position plays on until
        the seek takes effect (``old``: that stretch, skipped); playback proper
        is where three pictures in a row are consecutive frames.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                fresh = [(w, v) for w, v in self.shown[since:] if old is None or not old[0] <= v <= old[1]]
            for i in range(len(fresh) - 2):
                a, b, c = (value for _when, value in fresh[i:i + 3])
                if b - a == FRAME_MS and c - b == FRAME_MS:
                    return fresh[i]
            time.sleep(0.002)
        raise AssertionError("playback did not run after the seek")


def video_landing_errors(player, frames: FrameListener, targets: list[int],
                         playing: bool) -> list[tuple[int, int, float]]:
    """(target, first frame shown, latency ms) per seek.

    ``playing``: seek during playback.  Otherwise seek while paused and
    press play: the first picture of playback is where the rater lands.
    """
    out = []
    if playing:
        player.play()
    for target in targets:
        since, before = frames.count(), frames.last()
        # While playing, the old position goes on until the seek takes effect (up to ~0.5 s).
        old = None
        if playing and before is not None and not before - 100 <= target <= before + 3_000:
            old = (before, before + 3_000)
        t0 = time.perf_counter()
        player.seek_ms(target)
        if not playing:
            time.sleep(0.3)  # the paused still is drawn
            since = frames.count()
            t0 = time.perf_counter()
            player.play()
        when, landed = frames.playback_start(since, old=old)
        if not playing:
            player.pause()
        out.append((target, landed, (when - t0) * 1000))
    return out


class ClickListener:
    """Collects the samples libVLC would play (cleared on a flush); create before loading."""

    def __init__(self, player) -> None:
        import vlc

        self._lock = threading.Lock()
        self.samples: list[int] = []
        self.flushed = threading.Event()

        @vlc.CallbackDecorators.AudioPlayCb
        def play(_opaque, data, count, _pts):
            import ctypes

            chunk = ctypes.cast(data, ctypes.POINTER(ctypes.c_int16 * count)).contents
            with self._lock:
                self.samples.extend(chunk)

        @vlc.CallbackDecorators.AudioFlushCb
        def flush(_opaque, _pts):
            with self._lock:
                self.samples.clear()
            self.flushed.set()

        self._keep = (play, flush)  # the C side holds no reference
        mp = player._mp
        mp.audio_set_callbacks(play, None, None, flush, None, None)
        mp.audio_set_format("S16N", CLICK_RATE, 1)

    def reset(self) -> None:
        with self._lock:
            self.samples.clear()
        self.flushed.clear()

    def first_click_ms(self, need_ms: int = 1300, timeout: float = 6.0) -> float:
        """ms from the start of the collected samples to the first click."""
        need = need_ms * CLICK_RATE // 1000

        def enough() -> bool:
            with self._lock:
                return len(self.samples) >= need

        if not _poll(enough, timeout):
            raise AssertionError("libVLC produced too little audio after the seek")
        with self._lock:
            data = list(self.samples[:need])
        peak = max(abs(v) for v in data)
        threshold = max(2000, peak // 4)
        index = next(i for i, v in enumerate(data) if abs(v) >= threshold)
        return index * 1000 / CLICK_RATE


def audio_landing_errors(player, listener: ClickListener, path: str,
                         targets: list[int]) -> list[tuple[int, float, float]]:
    """(target, landed, latency ms) for opening ``path`` at each target and playing.

    Targets should sit between 0.1 and 0.9 s past a whole second, so the
    next click is unambiguous.
    """
    out = []
    for target in targets:
        player.load(path)
        player.seek_ms(target)
        listener.reset()
        t0 = time.perf_counter()
        player.play()
        _poll(lambda: listener.samples, SETTLE_S, 0.001)
        latency = (time.perf_counter() - t0) * 1000
        distance = listener.first_click_ms()
        next_click = math.ceil(target / 1000) * 1000
        out.append((target, next_click - distance, latency))
        player.pause()
    return out
