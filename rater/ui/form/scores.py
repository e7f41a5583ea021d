"""Live scale scores: one line per scale, recomputed on every change."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rater.instruments.scoring import ScaleScore


def format_score(score: ScaleScore) -> str:
    """E.g. ``Assignment: 2.43 (7/7)``, ``Review: — (2/4)``, ``Assignment: 2.50 (7/7, 1 N/A)``,
    ``Review: not applicable``; the counts are answered (a value or N/A) / items."""
    if not score.applies:
        return f"{score.name}: not applicable"
    counts = f"{score.answered}/{score.total}" + (f", {score.n_na} N/A" if score.n_na else "")
    if score.status == "all N/A":
        return f"{score.name}: all N/A ({score.answered}/{score.total})"
    if score.score is None:
        return f"{score.name}: — ({counts})"
    value = round(score.score, 2)
    shown = f"{value:.0f}" if value == int(value) else f"{value:.2f}"
    return f"{score.name}: {shown} ({counts})"


def score_tooltip(score: ScaleScore) -> str:
    """How the score is made and what it is still missing, for the label's tooltip."""
    if not score.applies:
        return "This scale is not rated in this session."
    scored = score.total - score.n_na - score.n_missing
    return (f"Live scale score. {scored} of {score.total} items scored, {score.n_na} N/A, "
            f"{score.n_missing} missing; a score needs {score.needed} scored item(s) "
            "(items marked N/A are left out).")


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
                self._layout.insertWidget(self._layout.count() - 1, label)
                self.labels[score.scale_id] = label
            label.setText(format_score(score))
            label.setToolTip(score_tooltip(score))
            label.setEnabled(score.applies)
