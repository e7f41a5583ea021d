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

from rater.ui.player.shortcuts import DEFAULTS, Bindings, keys_text
from rater.ui.player.timefmt import format_clock, format_elapsed
from rater.ui.player.waveform_strip import WaveformStrip

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


class SegmentSlider(QSlider):
    """The seek slider, with the assignment's segment drawn as a band between two bounds."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self._segment: tuple[int, int] | None = None

    def set_segment(self, segment: tuple[int, int] | None) -> None:
        self._segment = segment
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().paintEvent(event)
        if self._segment is None or self.maximum() <= 0:
            return
        from PySide6.QtGui import QColor, QPainter, QPen

        p = QPainter(self)
        span = self.maximum() - self.minimum()
        xs = [round(v / span * (self.width() - 1)) for v in self._segment]
        p.fillRect(xs[0], self.height() - 5, max(2, xs[1] - xs[0]), 4, QColor("#16a34a"))
        p.setPen(QPen(QColor("#16a34a"), 2))
        for x in xs:
            p.drawLine(x, 2, x, self.height() - 2)


class TransportBar(QWidget):
    """The controls under the video/audio area."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seek_slider = SegmentSlider()
        self._jump_style = _JumpStyle()  # no base style: follows the app's, owns nothing
        self.seek_slider.setStyle(self._jump_style)
        self.seek_slider.setSingleStep(5_000)
        self.seek_slider.setPageStep(30_000)
        self.waveform = WaveformStrip()
        self.waveform.hide()  # shown once a recording with a waveform source loads
        self.time_label = QLabel(format_elapsed(0, 0))
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance("0:00:00 / 0:00:00"))
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.play_button = QPushButton()
        self.replay_button = QPushButton("\u21ba 10 s")  # anticlockwise arrow: "again"
        self.skip_buttons = {d: QPushButton(f"{'+' if d > 0 else MINUS}{abs(d) // 1000} s") for d in SKIPS_MS}
        self.frame_buttons = {-1: QPushButton("\u25c2|"), 1: QPushButton("|\u25b8")}
        self.loop_a_button = QPushButton("A")
        self.loop_b_button = QPushButton("B")
        self.loop_clear_button = QPushButton("\u00d7")
        self.segment_label = QLabel()
        self.segment_label.setStyleSheet("color: #15803d;")
        self.segment_label.setToolTip("The part of the recording this assignment covers")
        self.loop_label = QLabel()
        self.loop_label.setStyleSheet("color: #1d4ed8;")
        self.keys_button = QPushButton("Keys\u2026")
        # Buttons as wide as their text: at 1280 px the form beside the player needs the room.
        for b in (self.replay_button, *self.skip_buttons.values(), *self.frame_buttons.values(),
                  self.loop_a_button, self.loop_b_button, self.loop_clear_button):
            b.setMinimumWidth(0)
            b.setMaximumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 22)
        self.speed_combo = QComboBox()
        for rate in RATES:
            self.speed_combo.addItem(f"{rate:g}\u00d7", rate)
        self.speed_combo.setCurrentIndex(RATES.index(1.0))
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(100)
        self.volume_slider.setMaximumWidth(110)
        self.volume_slider.setMinimumWidth(60)
        self.backend_label = QLabel()
        self.backend_label.setStyleSheet("color: #6b7280; font-size: 8.5pt;")
        self.set_playing(False)
        self.set_loop(None, None)
        self.set_bindings(DEFAULTS)

        # Clicking a control must not pull focus off the rating form (digits
        # rate the focused item); Tab still reaches every control.
        for w in self.controls():
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        seek_row = QHBoxLayout()
        seek_row.addWidget(self.seek_slider, 1)
        seek_row.addWidget(self.time_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.replay_button)
        for delta in SKIPS_MS:
            buttons.addWidget(self.skip_buttons[delta])
        buttons.addSpacing(6)
        buttons.addWidget(self.frame_buttons[-1])
        buttons.addWidget(self.frame_buttons[1])
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Speed"))
        buttons.addWidget(self.speed_combo)
        buttons.addSpacing(8)
        buttons.addWidget(QLabel("Volume"))
        buttons.addWidget(self.volume_slider)
        # Loop, key settings and the backend in a third, quieter row: the bar
        # must fit beside the form at 1280 px.
        extras = QHBoxLayout()
        extras.addWidget(QLabel("Loop"))
        extras.addWidget(self.loop_a_button)
        extras.addWidget(self.loop_b_button)
        extras.addWidget(self.loop_clear_button)
        extras.addWidget(self.loop_label)
        extras.addStretch(1)
        extras.addWidget(self.segment_label)
        extras.addWidget(self.backend_label)
        extras.addWidget(self.keys_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(seek_row)
        layout.addWidget(self.waveform)
        layout.addLayout(buttons)
        layout.addLayout(extras)

    def controls(self) -> list[QWidget]:
        """Every interactive control, for enabling and focus settings."""
        return [self.seek_slider, self.play_button, self.replay_button, *self.skip_buttons.values(),
                *self.frame_buttons.values(), self.loop_a_button, self.loop_b_button, self.loop_clear_button,
                self.speed_combo, self.volume_slider]

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

    def set_video(self, video: bool) -> None:
        """Frame steps only make sense on a video."""
        for button in self.frame_buttons.values():
            button.setVisible(video)

    def set_loop(self, a_ms: int | None, b_ms: int | None) -> None:
        """Show the A–B loop's ends (or that there is none)."""
        if a_ms is None:
            self.loop_label.setText("")
        elif b_ms is None:
            self.loop_label.setText(f"A {format_clock(a_ms, a_ms >= 3_600_000)} \u2192 \u2026")
        else:
            long = b_ms >= 3_600_000
            self.loop_label.setText(f"Looping {format_clock(a_ms, long)} \u2192 {format_clock(b_ms, long)}")
        self.loop_clear_button.setEnabled(a_ms is not None and self.play_button.isEnabled())

    def set_bindings(self, bindings: Bindings) -> None:
        """Name the current keys in every control's tooltip."""
        keys = {name: keys_text(bindings.get(name, ())) for name in DEFAULTS}
        self.play_button.setToolTip(f"Play / pause ({keys['play_pause']})")
        self.replay_button.setToolTip(f"Replay the last 10 seconds ({keys['replay_10']})")
        for delta, button in self.skip_buttons.items():
            word = "Forward" if delta > 0 else "Back"
            button.setToolTip(f"{word} {abs(delta) // 1000} seconds ({keys[_SKIP_ACTIONS[delta]]})")
        self.frame_buttons[-1].setToolTip(f"Previous frame, while paused ({keys['frame_back']})")
        self.frame_buttons[1].setToolTip(f"Next frame, while paused ({keys['frame_forward']})")
        self.loop_a_button.setToolTip(f"Loop from here (A) ({keys['loop_a']})")
        self.loop_b_button.setToolTip(f"Loop up to here (B) and play the loop ({keys['loop_b']})")
        self.loop_clear_button.setToolTip(f"Stop looping ({keys['loop_clear']})")
        self.speed_combo.setToolTip(f"Playback speed, pitch kept (slower {keys['slower']}, faster {keys['faster']})")
        self.volume_slider.setToolTip(f"Volume (louder {keys['volume_up']}, softer {keys['volume_down']})")
        self.seek_slider.setToolTip("Drag or click to move through the recording")
        self.keys_button.setToolTip("Change the keyboard shortcuts (F1 lists them)")
