"""The transport bar: seek slider, clock, play/skip buttons, speed, volume.

Only widgets and their looks live here; what they do is wired up by
:class:`rater.ui.player.widget.PlayerWidget`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProxyStyle,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from rater.ui.player.shortcuts import PLAYER_SHORTCUTS, key_text
from rater.ui.player.timefmt import format_elapsed

RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
SKIPS_MS = (-30_000, -5_000, 5_000, 30_000)
_SKIP_ACTIONS = {-30_000: "back_30", -5_000: "back_5", 5_000: "forward_5", 30_000: "forward_30"}
MINUS = "\u2212"  # a real minus sign reads better than a hyphen on buttons


class _JumpStyle(QProxyStyle):
    """A left click on the groove jumps there (Fusion would page-step)."""

    def styleHint(self, hint, option=None, widget=None, data=None):  # noqa: N802 (Qt naming)
        if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return Qt.MouseButton.LeftButton.value
        return super().styleHint(hint, option, widget, data)


class TransportBar(QWidget):
    """The controls under the video/audio area."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seek_slider = QSlider(Qt.Orientation.Horizontal)
        self._jump_style = _JumpStyle()  # no base style: follows the app's, owns nothing
        self.seek_slider.setStyle(self._jump_style)
        self.seek_slider.setSingleStep(5_000)
        self.seek_slider.setPageStep(30_000)
        self.time_label = QLabel(format_elapsed(0, 0))
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance("0:00:00 / 0:00:00"))
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.play_button = QPushButton()
        self.skip_buttons = {d: QPushButton(f"{'+' if d > 0 else MINUS}{abs(d) // 1000} s") for d in SKIPS_MS}
        self.speed_combo = QComboBox()
        for rate in RATES:
            self.speed_combo.addItem(f"{rate:g}\u00d7", rate)
        self.speed_combo.setCurrentIndex(RATES.index(1.0))
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(100)
        self.volume_slider.setMaximumWidth(110)
        self.backend_label = QLabel()
        self.backend_label.setStyleSheet("color: #6b7280; font-size: 8.5pt;")
        self.set_playing(False)
        self._apply_tooltips()

        # Clicking a control must not pull focus off the rating form (digits
        # rate the focused item); Tab still reaches every control.
        for w in self.controls():
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        seek_row = QHBoxLayout()
        seek_row.addWidget(self.seek_slider, 1)
        seek_row.addWidget(self.time_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        for delta in SKIPS_MS:
            buttons.addWidget(self.skip_buttons[delta])
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Speed"))
        buttons.addWidget(self.speed_combo)
        buttons.addSpacing(8)
        buttons.addWidget(QLabel("Volume"))
        buttons.addWidget(self.volume_slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(seek_row)
        layout.addLayout(buttons)
        layout.addWidget(self.backend_label, 0, Qt.AlignmentFlag.AlignRight)

    def controls(self) -> list[QWidget]:
        """Every interactive control, for enabling and focus settings."""
        return [self.seek_slider, self.play_button, *self.skip_buttons.values(), self.speed_combo, self.volume_slider]

    def set_controls_enabled(self, enabled: bool) -> None:
        """Enable the controls (only while a recording is loaded)."""
        for w in self.controls():
            w.setEnabled(enabled)

    def set_playing(self, playing: bool) -> None:
        """Show Pause while playing, Play otherwise."""
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if playing else "Play")

    def set_backend(self, name: str) -> None:
        """Name the playing backend in small print (useful in support requests)."""
        self.backend_label.setText(f"Player: {name}" if name else "")

    def _apply_tooltips(self) -> None:
        keys = {spec.name: key_text(spec) for spec in PLAYER_SHORTCUTS}
        self.play_button.setToolTip(f"Play / pause ({keys['play_pause']})")
        for delta, button in self.skip_buttons.items():
            word = "Forward" if delta > 0 else "Back"
            button.setToolTip(f"{word} {abs(delta) // 1000} seconds ({keys[_SKIP_ACTIONS[delta]]})")
        self.speed_combo.setToolTip(f"Playback speed, pitch kept (slower {keys['slower']}, faster {keys['faster']})")
        self.volume_slider.setToolTip(f"Volume (louder {keys['volume_up']}, softer {keys['volume_down']})")
        self.seek_slider.setToolTip("Drag or click to move through the recording")
