"""The waveform strip under the seek bar: peaks, played part, marks, loop; click to seek.

The peaks are computed on a worker thread (:class:`WaveformLoader`) while
the recording already plays; until they are ready the strip shows progress.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from rater.media.waveform import BUCKET_MS, Cancelled, WaveformError, waveform_for

log = logging.getLogger(__name__)

HEIGHT = 44
WAVE = QColor("#9aa5b1")
PLAYED = QColor("#4f8df5")
MARK = QColor("#f59e0b")
LOOP = QColor(79, 141, 245, 50)
OUTSIDE = QColor(0, 0, 0, 90)  # beyond the assignment's segment


class WaveformLoader(QObject):
    """Computes (or reads from the cache) one recording's waveform on a thread of its own."""

    progress = Signal(float)
    ready = Signal(object)  # numpy uint8 peaks
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel: threading.Event | None = None

    def start(self, path: str, checksum: str | None, duration_ms: int, cache_dir: Path) -> None:
        """Begin; a running computation for another recording is cancelled."""
        self.cancel()
        cancel = self._cancel = threading.Event()
        threading.Thread(target=self._run, args=(path, checksum, duration_ms, cache_dir, cancel),
                         name="waveform", daemon=True).start()

    def cancel(self) -> None:
        """Stop the running computation, if any (its result is dropped)."""
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None

    def _run(self, path: str, checksum: str | None, duration_ms: int, cache_dir: Path,
             cancel: threading.Event) -> None:
        # Worker thread: only emits (signals reach the GUI thread queued).
        try:
            if not checksum:
                from rater.media.probe import file_checksum

                checksum = file_checksum(path)
            peaks = waveform_for(path, checksum, duration_ms, cache_dir,
                                 progress=lambda f: None if cancel.is_set() else self.progress.emit(f),
                                 cancel=cancel)
        except Cancelled:
            return
        except (WaveformError, OSError) as exc:
            if not cancel.is_set():
                self.failed.emit(str(exc))
            return
        if not cancel.is_set():
            self.ready.emit(peaks)


class WaveformStrip(QWidget):
    """Draws peaks with the played part, marks, an A–B loop and segment bounds."""

    seek_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Waveform: click to go there; orange ticks are your marks")
        self._peaks: np.ndarray | None = None
        self._columns: np.ndarray | None = None  # peaks reduced to the current width
        self._message = ""
        self._duration = 0
        self._position = 0
        self._marks: list[int] = []
        self._loop: tuple[int | None, int | None] = (None, None)
        self._segment: tuple[int, int] | None = None

    # --- state ----------------------------------------------------------------------
    def set_message(self, text: str) -> None:
        """Show text instead of a waveform (computing…, or why there is none)."""
        self._peaks, self._columns, self._message = None, None, text
        self.update()

    def set_progress(self, fraction: float) -> None:
        """Say how far the computation is."""
        self.set_message(f"Computing the waveform\u2026 {fraction:.0%}")

    def set_peaks(self, peaks: np.ndarray | None) -> None:
        """The waveform to draw (None: nothing)."""
        self._peaks, self._columns, self._message = peaks, None, ""
        self.update()

    def has_peaks(self) -> bool:
        return self._peaks is not None

    def message(self) -> str:
        return self._message

    def set_duration(self, ms: int) -> None:
        self._duration = max(0, ms)
        self.update()

    def set_position(self, ms: int) -> None:
        if abs(ms - self._position) * max(1, self.width()) >= max(1, self._duration):  # moved ≥ 1 px
            self._position = ms
            self.update()

    def set_marks(self, positions: list[int]) -> None:
        self._marks = sorted(positions)
        self.update()

    def set_loop(self, a: int | None, b: int | None) -> None:
        self._loop = (a, b)
        self.update()

    def set_segment(self, segment: tuple[int, int] | None) -> None:
        self._segment = segment
        self.update()

    # --- geometry -------------------------------------------------------------------
    def x_of(self, ms: int) -> float:
        return ms / self._duration * self.width() if self._duration else 0.0

    def ms_at(self, x: float) -> int:
        if not self._duration or self.width() <= 0:
            return 0
        return int(max(0.0, min(1.0, x / self.width())) * self._duration)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if event.button() == Qt.MouseButton.LeftButton and self._duration:
            self.seek_requested.emit(self.ms_at(event.position().x()))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._columns = None
        super().resizeEvent(event)

    def _reduced(self) -> np.ndarray:
        if self._columns is None:
            width = max(1, self.width())
            peaks = self._peaks
            span = max(self._duration // BUCKET_MS, len(peaks), 1)
            edges = (np.arange(width + 1) * span / width).astype(int)
            padded = np.zeros(span + 1, dtype=np.uint8)
            padded[: len(peaks)] = peaks
            self._columns = np.maximum.reduceat(padded, np.minimum(edges[:-1], span))
        return self._columns

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        p = QPainter(self)
        rect = self.rect()
        p.fillRect(rect, QColor("#1f2933"))
        if self._peaks is None:
            p.setPen(QColor("#9aa5b1"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._message)
            return
        mid, half = rect.height() / 2, rect.height() / 2 - 2
        played_x = self.x_of(self._position)
        for x, value in enumerate(self._reduced()):
            h = max(1.0, value / 255 * half)
            p.fillRect(QRectF(x, mid - h, 1, 2 * h), PLAYED if x <= played_x else WAVE)
        a, b = self._loop
        if a is not None:
            end = self.x_of(b) if b is not None else self.x_of(a) + 2
            p.fillRect(QRectF(self.x_of(a), 0, max(2.0, end - self.x_of(a)), rect.height()), LOOP)
        if self._segment is not None:
            start, stop = (self.x_of(v) for v in self._segment)
            p.fillRect(QRectF(0, 0, start, rect.height()), OUTSIDE)
            p.fillRect(QRectF(stop, 0, rect.width() - stop, rect.height()), OUTSIDE)
        p.setPen(MARK)
        for ms in self._marks:
            x = round(self.x_of(ms))
            p.drawLine(x, 0, x, 6)
            p.drawLine(x, rect.height() - 6, x, rect.height())
        p.setPen(QColor("#ffffff"))
        p.drawLine(round(played_x), 0, round(played_x), rect.height())
