"""A scriptable in-memory Player for widget and controller tests."""

from __future__ import annotations

import threading

from rater.media.base import MediaError, MediaInfo, PlayerCallbacks, PlayerState

TWO_MINUTES = MediaInfo(120_000, True, True)


class FakePlayer:
    """Implements the Player protocol; records calls, never touches a device."""

    backend_name = "Fake 1.0"

    def __init__(self, info: MediaInfo = TWO_MINUTES) -> None:
        self.info = info
        self.fail_with: MediaError | None = None
        self.calls: list[tuple] = []
        self.callbacks = PlayerCallbacks()
        self.window = 0
        self._state = PlayerState.EMPTY
        self._pos = 0
        self._rate = 1.0
        self._volume = 100

    # Player protocol
    def set_callbacks(self, callbacks: PlayerCallbacks) -> None:
        self.callbacks = callbacks

    def set_window(self, win_id: int) -> None:
        self.window = win_id

    def load(self, path: str, start_ms: int = 0) -> MediaInfo:
        self.calls.append(("load", path))
        if self.fail_with is not None:
            self._state = PlayerState.ERROR
            raise self.fail_with
        self._state, self._pos = PlayerState.PAUSED, max(0, min(int(start_ms), self.info.duration_ms))
        return self.info

    def play(self) -> None:
        self.calls.append(("play",))
        if self._state in (PlayerState.PAUSED, PlayerState.ENDED):
            if self._state is PlayerState.ENDED:
                self._pos = 0
            self._set_state(PlayerState.PLAYING)

    def pause(self) -> None:
        self.calls.append(("pause",))
        if self._state is PlayerState.PLAYING:
            self._set_state(PlayerState.PAUSED)

    def stop(self) -> None:
        self.calls.append(("stop",))
        self._pos = 0
        self._set_state(PlayerState.PAUSED)

    def seek_ms(self, ms: int) -> None:
        self.calls.append(("seek_ms", ms))
        self._pos = max(0, min(int(ms), self.info.duration_ms))

    def step_frame(self, direction: int) -> None:
        self.calls.append(("step_frame", direction))
        if self.info.has_video and self._state is PlayerState.PAUSED:
            self._pos = max(0, min(self._pos + (40 if direction > 0 else -40), self.info.duration_ms))

    def position_ms(self) -> int:
        return self._pos

    def duration_ms(self) -> int:
        return self.info.duration_ms if self._state is not PlayerState.EMPTY else 0

    def state(self) -> PlayerState:
        return self._state

    def set_rate(self, rate: float) -> None:
        self.calls.append(("set_rate", rate))
        self._rate = rate

    def rate(self) -> float:
        return self._rate

    def set_volume(self, volume: int) -> None:
        self.calls.append(("set_volume", volume))
        self._volume = volume

    def volume(self) -> int:
        return self._volume

    def close(self) -> None:
        self.calls.append(("close",))
        self._state = PlayerState.EMPTY

    # test helpers
    def advance(self, ms: int) -> None:
        """Pretend playback moved on by ``ms``."""
        self._pos = min(self._pos + ms, self.info.duration_ms)

    def finish_from_thread(self) -> threading.Thread:
        """Reach the end, reporting it from a foreign thread like libVLC does."""

        def run() -> None:
            self._pos = self.info.duration_ms
            self._set_state(PlayerState.ENDED)
            if self.callbacks.on_end:
                self.callbacks.on_end()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def names(self) -> list[str]:
        """Method names called so far."""
        return [c[0] for c in self.calls]

    def _set_state(self, state: PlayerState) -> None:
        self._state = state
        if self.callbacks.on_state:
            self.callbacks.on_state(state)
