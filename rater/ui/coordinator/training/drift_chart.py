"""Drift plots: each rater's agreement with gold at every scored practice, against the certification threshold."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCharts import QChart, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPen

from rater.study.training.drift import RaterDrift
from rater.study.training.views import Criterion
from rater.ui.coordinator.reliability.plots_charts import PALETTE
from rater.ui.style import ERROR

HOUR_MS = 3_600_000
MEASURES = {"within1": ("Items within ±1 of gold (%)", 100.0), "mad": ("Mean absolute difference from gold", 1.0)}


def _ms(when: datetime) -> float:
    """Milliseconds since the epoch of a naive UTC time (the database's times)."""
    return when.replace(tzinfo=UTC).timestamp() * 1000.0


def drift_chart(drifts: list[RaterDrift], criterion: Criterion | None, measure: str = "within1") -> QChart:
    """One line per rater over time; the criterion's threshold dashed; flagged raters heavier and named so."""
    label, scale = MEASURES[measure]
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(6, 6, 6, 6))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    key = drifts[0].instrument_key if drifts else ""
    chart.setTitle(f"{label} — {key}" if drifts else "No scored practice yet")
    points = [p for d in drifts for p in d.points if getattr(p, measure) is not None]
    if not points:
        chart.legend().hide()
        return chart
    first = min(_ms(p.at) for p in points) - HOUR_MS
    last = max(_ms(p.at) for p in points) + HOUR_MS
    x = QDateTimeAxis()
    x.setFormat("d MMM")
    x.setTitleText("Submitted")
    x.setRange(QDateTime.fromMSecsSinceEpoch(int(first)), QDateTime.fromMSecsSinceEpoch(int(last)))
    high = 100.0 if measure == "within1" else max(1.0, max(p.mad for p in points) * 1.2,
                                                   (criterion.max_mad * 1.2) if criterion else 0)
    y = QValueAxis()
    y.setRange(0, high)
    y.setTitleText(label)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for n, d in enumerate(drifts):
        series = QLineSeries()
        series.setName(f"{d.rater_code} (flagged)" if d.flagged else d.rater_code)
        series.setPointsVisible(True)
        series.setPen(QPen(QColor(PALETTE[n % len(PALETTE)]), 3.2 if d.flagged else 1.3))
        series.append([QPointF(_ms(p.at), getattr(p, measure) * scale) for p in d.points
                       if getattr(p, measure) is not None])
        chart.addSeries(series)
        series.attachAxis(x)
        series.attachAxis(y)
    if criterion is not None:
        level = criterion.min_within1 * 100 if measure == "within1" else criterion.max_mad
        line = QLineSeries()
        line.setName(f"Criterion {'≥' if measure == 'within1' else '≤'} {level:g}")
        pen = QPen(QColor(ERROR), 1.4)
        pen.setStyle(Qt.PenStyle.DashLine)
        line.setPen(pen)
        line.append([QPointF(first, level), QPointF(last, level)])
        chart.addSeries(line)
        line.attachAxis(x)
        line.attachAxis(y)
    return chart
