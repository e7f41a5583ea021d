"""Qt face of a media :class:`~rater.media.base.Player`.

All player calls happen on the GUI thread.  Backend callbacks may arrive on
a native thread (libVLC's), so they are turned into queued signals and
handled on the GUI thread.  Position is polled with a timer that runs only
while playing, so an idle window costs nothing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from rater.media.base import MediaError, MediaInfo, Player, PlayerCallbacks, PlayerState

log = logging.getLogger(__name__)

POLL_MS = 50  # 20 updates a second: smooth for a slider, cheap for libVLC


class PlayerController(QObject):
    """Wraps a Player; emits position, duration, state, end and error signals."""

    position_changed = Signal(int)
    duration_changed = Signal(int)
    state_changed = Signal(str)  # a PlayerState value
    end_reached = Signal()
    error = Signal(str)

    # Carriers from the backend's thread to ours (queued connections).
    _backend_state = Signal(str)
    _backend_end = Signal()
    _backend_error = Signal(str)

    def __init__(self, player: Player, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = player
        self._info: MediaInfo | None = None
        self._last_position = -1
        self._last_duration = -1
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        queued = Qt.ConnectionType.QueuedConnection
        self._backend_state.connect(self._on_backend_state, queued)
        self._backend_end.connect(self._on_backend_end, queued)
        self._backend_error.connect(self._on_backend_error, queued)
        player.set_callbacks(
            PlayerCallbacks(
                on_end=self._backend_end.emit,
                on_error=self._backend_error.emit,
                on_state=lambda state: self._backend_state.emit(state.value),
            )
        )

    @property
    def player(self) -> Player:
        """The wrapped backend player."""
        return self._player

    @property
    def backend_name(self) -> str:
        """Which backend plays, e.g. ``"libVLC 3.0.21"``."""
        return self._player.backend_name

    @property
    def media_info(self) -> MediaInfo | None:
        """What the last successful load found, or None."""
        return self._info

    def load(self, path: str, start_ms: int = 0) -> bool:
        """Open ``path`` at ``start_ms``; on failure emit ``error`` with the reason and return False."""
        self._timer.stop()
        try:
            self._info = self._player.load(path, start_ms)
        except MediaError as exc:
            self._info = None
            log.warning("cannot load %s: %s", path, exc)
            self.error.emit(str(exc))
            return False
        self._last_position = self._last_duration = -1
        self._poll()
        return True

    def toggle_play(self) -> None:
        """Play if paused or ended, pause if playing."""
        if self._player.state() is PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Start or resume playback."""
        self._player.play()
        if self._player.state() is PlayerState.PLAYING:
            self._timer.start()

    def pause(self) -> None:
        """Pause playback."""
        self._player.pause()
        self._timer.stop()
        self._poll()

    def seek_ms(self, ms: int) -> None:
        """Jump to ``ms``; the position signal follows at once."""
        self._player.seek_ms(ms)
        self._poll()

    def step_frame(self, direction: int) -> None:
        """One video frame forward (``direction`` > 0) or back, while paused."""
        self._player.step_frame(direction)
        self._poll()

    def skip(self, delta_ms: int) -> None:
        """Jump by ``delta_ms`` relative to the current position."""
        self.seek_ms(max(0, self._player.position_ms() + delta_ms))

    def set_rate(self, rate: float) -> None:
        """Playback speed (pitch kept)."""
        self._player.set_rate(rate)

    def rate(self) -> float:
        """Current playback speed."""
        return self._player.rate()

    def set_volume(self, volume: int) -> None:
        """Volume 0–100."""
        self._player.set_volume(volume)

    def volume(self) -> int:
        """Current volume 0–100."""
        return self._player.volume()

    def position_ms(self) -> int:
        """Current position."""
        return self._player.position_ms()

    def duration_ms(self) -> int:
        """Length of the loaded recording (0 if none)."""
        return self._player.duration_ms()

    def state(self) -> PlayerState:
        """Current player state."""
        return self._player.state()

    def close(self) -> None:
        """Stop polling and release the player; the controller is unusable after."""
        self._timer.stop()
        self._player.set_callbacks(PlayerCallbacks())
        self._player.close()

    @Slot()
    def _poll(self) -> None:
        duration = self._player.duration_ms()
        if duration != self._last_duration:  # libVLC refines MP3 lengths while playing
            self._last_duration = duration
            self.duration_changed.emit(duration)
        position = self._player.position_ms()
        if position != self._last_position:
            self._last_position = position
            self.position_changed.emit(position)

    @Slot(str)
    def _on_backend_state(self, state: str) -> None:
        # Queued: by now the player may have moved on (play, pause, play in a
        # row), so the timer follows its current state, not this event's.
        if self._player.state() is PlayerState.PLAYING:
            self._timer.start()
        else:
            self._timer.stop()
            self._poll()
        self.state_changed.emit(state)

    @Slot()
    def _on_backend_end(self) -> None:
        self._timer.stop()
        self._poll()
        self.end_reached.emit()

    @Slot(str)
    def _on_backend_error(self, message: str) -> None:
        self._timer.stop()
        self.error.emit(message)
