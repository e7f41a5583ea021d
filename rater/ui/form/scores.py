"""Live scale scores: one line per scale, recomputed on every change."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rater.instruments.scoring import ScaleScore


def format_score(score: ScaleScore) -> str:
    """E.g. ``Assignment: 2.43 (7/7)``, ``Review: — (2/4)``, ``Review: not applicable``."""
    if not score.applies:
        return f"{score.name}: not applicable"
    if score.status == "all N/A":
        return f"{score.name}: all N/A ({score.answered}/{score.total})"
    if score.score is None:
        return f"{score.name}: — ({score.answered}/{score.total})"
    value = round(score.score, 2)
    shown = f"{value:.0f}" if value == int(value) else f"{value:.2f}"
    return f"{score.name}: {shown} ({score.answered}/{score.total})"


class ScoresBar(QWidget):
    """A column of score labels, one per scale, in instrument order."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addStretch(1)
        self.labels: dict[str, QLabel] = {}

    def show_scores(self, scores: list[ScaleScore]) -> None:
        for score in scores:
            label = self.labels.get(score.scale_id)
            if label is None:
                label = QLabel(objectName="scoreLine")
                label.setToolTip("Live scale score (answered items / items in the scale)")
                self._layout.insertWidget(self._layout.count() - 1, label)
                self.labels[score.scale_id] = label
            label.setText(format_score(score))
            label.setEnabled(score.applies)
