"""What the player shows above its transport bar: video, an audio panel, or a message."""

from __future__ import annotations

import logging

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from rater.media.base import Player

log = logging.getLogger(__name__)

DARK = "#1f2933"
DARK_TEXT = "#e5e9f0"
DARK_MUTED = "#9aa5b1"
ACCENT = "#4f8df5"


class VideoSurface(QFrame):
    """A plain native window for a backend to draw video into."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A native window of its own: the id handed to libVLC must not be the
        # top-level window's, or video would cover the whole form.
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setStyleSheet("background: black;")
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)


def embed(player: Player, frame: QFrame) -> None:
    """Hand ``frame``'s native window to ``player``; the one place that does this."""
    if QGuiApplication.platformName() == "wayland":
        # libVLC draws through X11 ids only; the app should run under xcb (XWayland).
        log.warning("video cannot be embedded on Wayland; start with QT_QPA_PLATFORM=xcb")
    player.set_window(int(frame.winId()))


class ProgressStrip(QWidget):
    """A thick rounded progress bar for the audio panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fraction = 0.0
        self.setFixedHeight(10)
        self.setMinimumWidth(160)

    def set_fraction(self, fraction: float) -> None:
        """Fill to ``fraction`` (0–1) of the width."""
        fraction = max(0.0, min(fraction, 1.0))
        if abs(fraction - self._fraction) > 0.0005:
            self._fraction = fraction
            self.update()

    def fraction(self) -> float:
        """Current fill."""
        return self._fraction

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        r = QRectF(self.rect())
        radius = r.height() / 2
        p.setBrush(QColor("#3a4654"))
        p.drawRoundedRect(r, radius, radius)
        if self._fraction > 0:
            filled = QRectF(r.x(), r.y(), max(r.height(), r.width() * self._fraction), r.height())
            p.setBrush(QColor(ACCENT))
            p.drawRoundedRect(filled, radius, radius)


class AudioPanel(QFrame):
    """Shown instead of the video surface for audio-only recordings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audioPanel")
        self.setStyleSheet(
            f"QFrame#audioPanel {{ background: {DARK}; border-radius: 8px; }}"
            f"QLabel {{ color: {DARK_TEXT}; background: transparent; }}"
        )
        self.setMinimumSize(320, 180)
        icon = QLabel("\u266b")  # beamed notes: in every common UI font
        icon.setStyleSheet(f"font-size: 40pt; color: {ACCENT};")
        self.title = QLabel("Audio recording")
        self.title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.file_label = QLabel()
        self.file_label.setStyleSheet(f"font-size: 11pt; color: {DARK_MUTED};")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = ProgressStrip()
        self.status = QLabel("Paused")
        self.status.setStyleSheet(f"color: {DARK_MUTED};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addStretch(1)
        for w in (icon, self.title, self.file_label):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(14)
        layout.addWidget(self.progress)
        layout.addWidget(self.status, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def set_file_name(self, name: str) -> None:
        """Show which recording is loaded."""
        self.file_label.setText(name)
        self.file_label.setToolTip(name)

    def set_progress(self, position_ms: int, duration_ms: int) -> None:
        """Fill the progress strip."""
        self.progress.set_fraction(position_ms / duration_ms if duration_ms > 0 else 0.0)

    def set_playing(self, playing: bool) -> None:
        """Say whether the recording is playing."""
        self.status.setText("Playing" if playing else "Paused")


class MessagePanel(QFrame):
    """Replaces the video/audio area with a plain-language message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playerMessage")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # paths may contain '<'
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.label)
        self.setMinimumSize(320, 180)
        self.show_info("No recording loaded.")

    def show_error(self, message: str) -> None:
        """An error the rater should read, with reassurance that rating can go on."""
        self._style("#b91c1c", "#fdecec", "#f3b4b4")
        self.label.setText(f"This recording cannot be played: {message}\n\nThe rating form remains available.")

    def show_info(self, text: str) -> None:
        """A neutral message (e.g. nothing loaded yet)."""
        self._style("#6b7280", "#f3f4f6", "#d5dae1")
        self.label.setText(text)

    def text(self) -> str:
        """The message shown."""
        return self.label.text()

    def _style(self, fg: str, bg: str, border: str) -> None:
        self.setStyleSheet(
            f"QFrame#playerMessage {{ background: {bg}; border: 1px solid {border}; border-radius: 8px; }}"
            f"QLabel {{ color: {fg}; font-size: 11pt; background: transparent; }}"
        )
