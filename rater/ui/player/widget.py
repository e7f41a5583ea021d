"""The recording player shown beside the rating form."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QSlider, QStackedWidget, QVBoxLayout, QWidget

from rater.media.base import Player, PlayerState
from rater.ui.player.commands import PlayerCommands
from rater.ui.player.controller import PlayerController
from rater.ui.player.panels import AudioPanel, MessagePanel, VideoSurface, embed
from rater.ui.player.shortcuts import DEFAULTS, Bindings, apply_bindings, install_actions
from rater.ui.player.timefmt import format_elapsed
from rater.ui.player.transport import TransportBar
from rater.ui.player.waveform_strip import WaveformLoader

log = logging.getLogger(__name__)

VOLUME_STEP = 10
SCRUB_MS = 80  # while dragging, seek at most this often: libVLC seeks are not free


def default_player_factory() -> Player:
    """The real backend; headless under offscreen Qt, where a window id is fake."""
    from rater.media.factory import create_player  # libVLC/Qt load only when needed

    return create_player(headless=QGuiApplication.platformName() in ("offscreen", "minimal"))


class PlayerWidget(PlayerCommands, QWidget):
    """Video/audio area, transport bar and shortcuts for one recording at a time.

    ``shortcut_host`` is the page or window whose keyboard focus should reach
    the player's shortcuts (defaults to this widget).  ``player_factory``
    makes the backend on first load (tests pass a fake).
    """

    position_changed = Signal(int)
    playing_changed = Signal(bool)
    media_error = Signal(str)
    preferences_changed = Signal(float, int)  # speed, volume — chosen by the rater
    shortcuts_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        shortcut_host: QWidget | None = None,
        player_factory: Callable[[], Player] = default_player_factory,
    ) -> None:
        super().__init__(parent)
        self._factory = player_factory
        self._controller: PlayerController | None = None
        self._playing = False
        self._duration = 0
        self._loop: tuple[int | None, int | None] = (None, None)
        self._segment: tuple[int, int | None] | None = None
        self._last_ms = 0
        self._bindings: Bindings = dict(DEFAULTS)
        self._build()
        self.actions_by_name = install_actions(
            shortcut_host or self,
            {
                "play_pause": self.toggle_play,
                "replay_10": self.replay,
                "frame_back": lambda: self.step_frame(-1),
                "frame_forward": lambda: self.step_frame(1),
                "loop_a": self.set_loop_start,
                "loop_b": self.set_loop_end,
                "loop_clear": self.clear_loop,
                "back_5": lambda: self.skip(-5_000),
                "forward_5": lambda: self.skip(5_000),
                "back_30": lambda: self.skip(-30_000),
                "forward_30": lambda: self.skip(30_000),
                "slower": lambda: self._step_rate(-1),
                "faster": lambda: self._step_rate(1),
                "volume_up": lambda: self._step_volume(VOLUME_STEP),
                "volume_down": lambda: self._step_volume(-VOLUME_STEP),
            },
        )
        self._set_enabled(False)

    # -- construction --------------------------------------------------------
    def _build(self) -> None:
        self.surface = VideoSurface()
        self.audio_panel = AudioPanel()
        self.message = MessagePanel()
        self.stack = QStackedWidget()
        for page in (self.message, self.surface, self.audio_panel):
            self.stack.addWidget(page)
        self.transport = t = TransportBar()
        self.seek_slider, self.time_label = t.seek_slider, t.time_label
        self.play_button, self.skip_buttons = t.play_button, t.skip_buttons
        self.speed_combo, self.volume_slider = t.speed_combo, t.volume_slider

        t.seek_slider.sliderMoved.connect(self._on_slider_moved)
        t.seek_slider.sliderReleased.connect(self._seek_to_slider)
        t.seek_slider.actionTriggered.connect(self._on_slider_action)
        self._scrub = QTimer(self, singleShot=True, interval=SCRUB_MS)
        self._scrub.timeout.connect(self._seek_to_slider)
        t.play_button.clicked.connect(self.toggle_play)
        t.replay_button.clicked.connect(self.replay)
        for delta, button in t.skip_buttons.items():
            button.clicked.connect(lambda _=False, d=delta: self.skip(d))
        for direction, button in t.frame_buttons.items():
            button.clicked.connect(lambda _=False, d=direction: self.step_frame(d))
        t.loop_a_button.clicked.connect(self.set_loop_start)
        t.loop_b_button.clicked.connect(self.set_loop_end)
        t.loop_clear_button.clicked.connect(self.clear_loop)
        t.keys_button.clicked.connect(self.shortcuts_requested)
        self.waveform = t.waveform
        self.waveform.seek_requested.connect(self.seek_ms)
        self._waveform_loader = WaveformLoader(self)
        self._waveform_loader.progress.connect(self.waveform.set_progress)
        self._waveform_loader.ready.connect(self.waveform.set_peaks)
        self._waveform_loader.failed.connect(self.waveform.set_message)
        t.speed_combo.currentIndexChanged.connect(self._on_speed)
        t.volume_slider.valueChanged.connect(self._on_volume)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack, 1)
        layout.addWidget(t)

    # -- public API ----------------------------------------------------------
    def load(self, path: str, kind: str = "video", start_ms: int = 0) -> bool:
        """Open a recording (``kind`` "audio" or "video"); False and a message on failure."""
        controller = self._ensure_controller()
        if controller is None:
            return False
        self._set_playing(False)
        self._waveform_loader.cancel()
        self.waveform.hide()
        if not controller.load(path, start_ms):
            return False  # _show_error already ran via the error signal
        info = controller.media_info
        self.clear_loop()
        video = kind == "video" and info is not None and info.has_video
        self.transport.set_video(video)
        if video:
            self.stack.setCurrentWidget(self.surface)
        else:
            self.audio_panel.set_file_name(Path(path).name)
            self.stack.setCurrentWidget(self.audio_panel)
        controller.set_rate(self.speed_combo.currentData())
        controller.set_volume(self.volume_slider.value())
        self._set_enabled(True)
        return True

    def current_position_ms(self) -> int:
        """Where playback is now (0 if nothing is loaded)."""
        return self._controller.position_ms() if self._controller else 0

    def duration_ms(self) -> int:
        """Length of the loaded recording as the backend reports it (0 if nothing is loaded)."""
        return self._controller.duration_ms() if self._controller else 0

    def seek_ms(self, ms: int) -> None:
        """Jump to ``ms`` (e.g. a rater clicked a timestamped mark)."""
        if self._controller:
            self._controller.seek_ms(ms)

    def skip(self, delta_ms: int) -> None:
        """Jump forwards or backwards by ``delta_ms``."""
        if self._controller:
            self._controller.skip(delta_ms)

    def show_waveform(self, path: str, checksum: str | None, cache_dir: Path) -> None:
        """Compute (or read from ``cache_dir``) the loaded recording's waveform in the background."""
        if not self._controller or self._controller.media_info is None:
            return
        info = self._controller.media_info
        if not info.has_audio:
            self.waveform.hide()
            return
        self.waveform.set_duration(self._controller.duration_ms())
        self.waveform.set_progress(0.0)
        self.waveform.show()
        self._waveform_loader.start(path, checksum, self._controller.duration_ms(), cache_dir)

    def set_preferences(self, rate: float | None, volume: int | None) -> None:
        """Apply a rater's stored speed and volume (without reporting them back as changes)."""
        with QSignalBlocker(self.speed_combo), QSignalBlocker(self.volume_slider):
            if rate is not None:
                index = self.speed_combo.findData(rate)
                if index >= 0:
                    self.speed_combo.setCurrentIndex(index)
            if volume is not None:
                self.volume_slider.setValue(max(0, min(int(volume), 100)))
        if self._controller:
            self._controller.set_rate(self.speed_combo.currentData())
            self._controller.set_volume(self.volume_slider.value())

    def apply_bindings(self, bindings: Bindings) -> None:
        """Use these keys for the player's commands (tooltips and F1 follow)."""
        self._bindings = dict(bindings)
        apply_bindings(self.actions_by_name, self._bindings)
        self.transport.set_bindings(self._bindings)

    def bindings(self) -> Bindings:
        """The keys in use."""
        return dict(self._bindings)

    def toggle_play(self) -> None:
        """Play if paused, pause if playing."""
        if self._controller:
            self._controller.toggle_play()
            self._sync_playing()

    def play(self) -> None:
        """Start or resume playback."""
        if self._controller:
            self._controller.play()
            self._sync_playing()

    def pause(self) -> None:
        """Pause playback (e.g. when the rater switches page)."""
        if self._controller:
            self._controller.pause()
            self._sync_playing()

    def is_playing(self) -> bool:
        """True while the recording plays."""
        return self._playing

    def shortcuts(self) -> list[tuple[str, str]]:
        """(action name, keys) for a help dialog."""
        native = QKeySequence.SequenceFormat.NativeText
        return [(a.text(), ", ".join(k.toString(native) for k in a.shortcuts())) for a in self.actions_by_name.values()]

    @property
    def backend_name(self) -> str:
        """Which backend plays ("" before the first load)."""
        return self._controller.backend_name if self._controller else ""

    def shutdown(self) -> None:
        """Release the backend (call when the page closes for good)."""
        self._waveform_loader.cancel()
        if self._controller:
            self._controller.close()
            self._controller = None
        self._set_enabled(False)

    # -- internals -----------------------------------------------------------
    def _ensure_controller(self) -> PlayerController | None:
        if self._controller is None:
            try:
                player = self._factory()
            except Exception as exc:  # noqa: BLE001 — any backend failure becomes a message
                log.exception("no media player could be created")
                self._show_error(str(exc))
                return None
            c = PlayerController(player, self)
            c.position_changed.connect(self._on_position)
            c.duration_changed.connect(self._on_duration)
            c.state_changed.connect(self._on_state)
            c.end_reached.connect(lambda: self._set_playing(False))
            c.error.connect(self._show_error)
            embed(player, self.surface)
            self.transport.set_backend(player.backend_name)
            self._controller = c
        return self._controller

    def _on_position(self, ms: int) -> None:
        if not self.seek_slider.isSliderDown():
            with QSignalBlocker(self.seek_slider):
                self.seek_slider.setValue(ms)
            self.time_label.setText(format_elapsed(ms, self._duration))
        self.audio_panel.set_progress(ms, self._duration)
        self.waveform.set_position(ms)
        self.position_changed.emit(ms)
        self._follow_position(self._last_ms, ms)
        self._last_ms = ms

    def _on_duration(self, ms: int) -> None:
        self._duration = ms
        self.waveform.set_duration(ms)
        with QSignalBlocker(self.seek_slider):
            self.seek_slider.setRange(0, ms)

    def _on_state(self, _state: str) -> None:
        self._sync_playing()

    def _sync_playing(self) -> None:
        # From the player's current state, not a queued event's: the button
        # flips at once on a click, and stale events cannot flip it back.
        self._set_playing(self._controller is not None and self._controller.state() is PlayerState.PLAYING)

    def _set_playing(self, playing: bool) -> None:
        self.audio_panel.set_playing(playing)
        if playing != self._playing:
            self._playing = playing
            self.transport.set_playing(playing)
            self.playing_changed.emit(playing)

    def _show_error(self, message: str) -> None:
        self._set_playing(False)
        self._set_enabled(False)
        self.message.show_error(message)
        self.stack.setCurrentWidget(self.message)
        self.media_error.emit(message)

    def _set_enabled(self, enabled: bool) -> None:
        self.transport.set_controls_enabled(enabled)
        self.transport.set_loop(*self._loop)
        for action in self.actions_by_name.values():
            action.setEnabled(enabled)

    def _on_slider_moved(self, value: int) -> None:
        self.time_label.setText(format_elapsed(value, self._duration))
        if not self._scrub.isActive():
            self._scrub.start()

    def _on_slider_action(self, action: int) -> None:
        if action != QSlider.SliderAction.SliderMove.value:  # drags go through _on_slider_moved
            self._seek_to_slider()

    def _seek_to_slider(self) -> None:
        self._scrub.stop()
        self.seek_ms(self.seek_slider.sliderPosition())

    def _on_speed(self, _index: int) -> None:
        if self._controller:
            self._controller.set_rate(self.speed_combo.currentData())
        self.preferences_changed.emit(self.speed_combo.currentData(), self.volume_slider.value())

    def _on_volume(self, value: int) -> None:
        if self._controller:
            self._controller.set_volume(value)
        self.preferences_changed.emit(self.speed_combo.currentData(), value)

    def _step_rate(self, step: int) -> None:
        index = max(0, min(self.speed_combo.currentIndex() + step, self.speed_combo.count() - 1))
        self.speed_combo.setCurrentIndex(index)

    def _step_volume(self, delta: int) -> None:
        self.volume_slider.setValue(self.volume_slider.value() + delta)
