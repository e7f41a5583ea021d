"""The left-hand player: the recording chooser plus the player widget, created on demand.

The player widget (and with it libVLC) is only built when an assignment is
opened, which keeps start-up fast. Tests pass a factory making a fake widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from rater.paths import data_dir
from rater.storage.database import Database
from rater.study.rating.views import RecordingView

log = logging.getLogger(__name__)

# factory(parent, shortcut_host) -> a widget with PlayerWidget's API
PlayerWidgetFactory = Callable[[QWidget, QWidget], QWidget]


def default_player_widget(parent: QWidget, shortcut_host: QWidget) -> QWidget:
    from rater.ui.player import PlayerWidget  # the media stack loads only when a session opens

    return PlayerWidget(parent, shortcut_host=shortcut_host)


def waveform_cache_dir(db: Database | None) -> Path:
    """Waveforms are kept beside a SQLite database, else in the app's data folder."""
    path = db.path if db is not None else None
    return (path.parent if path is not None else data_dir()) / "waveforms"


def preferred_recording(recordings: list[RecordingView]) -> RecordingView | None:
    """Video if it is there, else audio, else whatever is listed (to show why it fails)."""
    for kind in ("video", "audio"):
        for rec in recordings:
            if rec.kind == kind and rec.exists:
                return rec
    return recordings[0] if recordings else None


class PlayerArea(QWidget):
    position_changed = Signal(int)
    playing_changed = Signal(bool)
    media_error = Signal(str)
    recording_switch_requested = Signal(str)  # recording id chosen in the combo

    def __init__(self, recordings: list[RecordingView], factory: PlayerWidgetFactory | None,
                 shortcut_host: QWidget, parent: QWidget | None = None, waveform_dir: Path | None = None):
        super().__init__(parent)
        self.recordings = {r.id: r for r in recordings}
        self.waveform_dir = waveform_dir
        self.current: RecordingView | None = None
        self.loaded = False  # a recording is loaded and playable
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.combo = QComboBox()
        self.combo.setToolTip("This session has several recordings: choose which one to play")
        for rec in recordings:
            missing = "" if rec.exists else " (missing)"
            self.combo.addItem(f"{rec.kind.capitalize()} — {Path(rec.path).name}{missing}", rec.id)
        self.combo.activated.connect(lambda i: self.recording_switch_requested.emit(self.combo.itemData(i)))
        if len(recordings) > 1:
            line = QHBoxLayout()
            line.addWidget(QLabel("Recording:"))
            line.addWidget(self.combo, 1)
            layout.addLayout(line)

        self.player = None
        if recordings:
            self.player = (factory or default_player_widget)(self, shortcut_host)
            self.player.position_changed.connect(self._on_position)
            self.player.playing_changed.connect(self.playing_changed)
            self.player.media_error.connect(self._on_error)
            layout.addWidget(self.player, 1)
        else:
            note = QLabel("No recording is linked to this session. You can still fill in the form.",
                          objectName="muted")
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            note.setWordWrap(True)
            layout.addWidget(note, 1)

    def load(self, recording_id: str, start_ms: int = 0) -> bool:
        rec = self.recordings[recording_id]
        self.current = rec
        self.combo.setCurrentIndex(self.combo.findData(rec.id))
        if self.player is None:
            return False
        self.loaded = False
        self._loading = True
        try:
            ok = bool(self.player.load(rec.path, rec.kind, start_ms=start_ms))
        finally:
            self._loading = False
        self.loaded = ok
        if ok:
            if self.waveform_dir is not None:
                self.player.show_waveform(rec.path, rec.checksum, self.waveform_dir)
            self.position_changed.emit(self.player.current_position_ms())
        return ok

    def _on_position(self, ms: int) -> None:
        # While loading, the player passes through 0 before seeking to the resume
        # point; that is not a position the rater chose.
        if not self._loading:
            self.position_changed.emit(ms)

    def _on_error(self, message: str) -> None:
        self.loaded = False
        self.media_error.emit(message)

    def position_ms(self) -> int | None:
        """The player's position, or None when nothing playable is loaded."""
        return self.player.current_position_ms() if self.player is not None and self.loaded else None

    def duration_ms(self) -> int:
        """Length of the loaded recording per the player; 0 when nothing playable is loaded."""
        return self.player.duration_ms() if self.player is not None and self.loaded else 0

    def seek_ms(self, ms: int) -> None:
        if self.player is not None and self.loaded:
            self.player.seek_ms(ms)

    def pause(self) -> None:
        if self.player is not None:
            self.player.pause()

    def shortcuts(self) -> list[tuple[str, str]]:
        if self.player is not None:
            return list(self.player.shortcuts())
        from rater.ui.player.shortcuts import shortcut_help

        return shortcut_help()

    def shutdown(self) -> None:
        if self.player is not None:
            self.player.shutdown()
