"""The Reliability screen's three plots of one scale, drawn with QtCharts.

Each builder takes the plain :class:`ScaleFigures` computed in the worker and
returns a new :class:`QChart`: score distributions per rater (a box per
rater), rater bias (a bar per rater with the flag thresholds, flagged raters
in red) and drift (each rater's weekly mean difference from the other
raters, flagged raters drawn heavier). A scale without scored ratings gets a chart that says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QBoxPlotSeries,
    QBoxSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPen
from PySide6.QtWidgets import QToolTip

from rater.stats import RaterBias
from rater.study.reports.reliability_figures import ScaleFigures
from rater.ui.style import ACCENT, ERROR, MUTED, TEXT

log = logging.getLogger(__name__)

FLAGGED = QColor(ERROR)
# A qualitative palette long enough that neighbouring raters' drift lines differ (Tableau 10 + 2).
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac",
           "#ff9da7", "#17becf", "#8c564b", "#e15759"]
_DAY_MS = 86_400_000


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setPointSizeF(11.5)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setMargins(QMargins(6, 6, 6, 6))
    chart.setBackgroundRoundness(6)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)  # redraws on every scale change
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


def _empty(title: str, fig: ScaleFigures, why: str) -> QChart:
    chart = _chart(f"{title} — {fig.scale}: {why}")
    chart.legend().hide()
    return chart


def _value_axis(title: str, low: float, high: float) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(title)
    axis.setRange(low, high)
    axis.applyNiceNumbers()
    return axis


def _rater_axis(raters: Sequence[str]) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(list(raters))
    axis.setTitleText("Rater")
    if len(raters) > 12:
        axis.setLabelsAngle(-60)  # 17–19 raters per team: upright codes would overlap
        axis.setTruncateLabels(False)  # QtCharts elides by the category's width even when rotated
    return axis


def _padded(low: float, high: float, pad: float = 0.5) -> tuple[float, float]:
    return (low - pad, high + pad) if high - low < 1e-9 else (low - 0.05 * (high - low), high + 0.05 * (high - low))


def distribution_chart(fig: ScaleFigures) -> QChart:
    """One box per rater: minimum, quartiles, median and maximum of their scale scores."""
    title = "Score distribution per rater"
    if not fig.has_scores:
        return _empty(title, fig, "no scored ratings yet")
    chart = _chart(f"{title} — {fig.scale}")
    series = QBoxPlotSeries()
    series.setName("Scale score (box: quartiles, line: median, whiskers: min–max)")
    series.setBrush(QBrush(QColor("#dbe6fb")))
    series.setPen(QPen(QColor(ACCENT), 1.5))
    for rater, box in fig.boxes.items():
        series.append(QBoxSet(box.low, box.q1, box.median, box.q3, box.high, rater))
    series.hovered.connect(lambda status, box_set: _tip(status, _box_text(fig, box_set.label())))
    chart.addSeries(series)
    x = _rater_axis(list(fig.boxes))
    if fig.score_range is not None:
        # The scale's own range (a 0–12 scale from 0 to 12), with room for the points at the ends.
        low, high = fig.score_range
        pad = (high - low) * 0.04 or 0.5
        y = QValueAxis()
        y.setTitleText(f"{fig.scale} score")
        y.setRange(low - pad, high + pad)
        if float(high - low).is_integer() and high - low <= 12:
            y.setTickType(QValueAxis.TickType.TicksDynamic)
            y.setTickAnchor(low)
            y.setTickInterval(1.0 if high - low <= 6 else 2.0)
        y.setLabelFormat("%g")
    else:
        lows = [b.low for b in fig.boxes.values()]
        highs = [b.high for b in fig.boxes.values()]
        y = _value_axis(f"{fig.scale} score", *_padded(min(lows), max(highs)))
    _attach(chart, series, x, y)
    if fig.points:
        _add_points(chart, fig, y)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def jittered(values: Sequence[float], centre: float, width: float = 0.36) -> list[tuple[float, float]]:
    """(x, y) for each value: equal values are spread side by side around ``centre``, others stay put.

    Deterministic (no random jitter), so a saved plot looks the same every time.
    """
    out = []
    groups: dict[float, int] = {}
    for v in values:
        groups[round(v, 6)] = groups.get(round(v, 6), 0) + 1
    seen: dict[float, int] = {}
    for v in values:
        key = round(v, 6)
        n, i = groups[key], seen.get(key, 0)
        seen[key] = i + 1
        offset = 0.0 if n == 1 else (i / (n - 1) - 0.5) * min(width, 0.08 * (n - 1))
        out.append((centre + offset, v))
    return out


def _add_points(chart: QChart, fig: ScaleFigures, y: QValueAxis) -> None:
    """Every scale score as a dot over its rater's box; equal scores side by side."""
    dots = QScatterSeries()
    dots.setName("One rating")
    dots.setMarkerSize(7.0)
    dots.setColor(QColor(TEXT))
    dots.setBorderColor(QColor("#ffffff"))
    for index, rater in enumerate(fig.boxes):
        for x, v in jittered(fig.points.get(rater, []), float(index)):
            dots.append(QPointF(x, v))
    chart.addSeries(dots)
    line_x = QValueAxis()
    line_x.setRange(-0.5, len(fig.boxes) - 0.5)
    line_x.setVisible(False)
    chart.addAxis(line_x, Qt.AlignmentFlag.AlignBottom)
    dots.attachAxis(line_x)
    dots.attachAxis(y)


def save_chart(view: QChartView, path: str) -> None:
    """Write the chart shown in ``view`` as PNG (twice the screen's pixels) or SVG, by the file's suffix."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter

    size = view.size()
    if path.lower().endswith(".svg"):
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle(view.chart().title())
        painter = QPainter(generator)
        view.render(painter)
        painter.end()
        return
    from PySide6.QtGui import QImage

    image = QImage(QSize(size.width() * 2, size.height() * 2), QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.render(painter)
    painter.end()
    if not image.save(path):
        raise OSError(f"The plot could not be written to {path}")


def _box_text(fig: ScaleFigures, rater: str) -> str:
    b = fig.boxes[rater]
    return (f"{rater}: {b.n} scored rating(s)\nmedian {b.median:.2f}, quartiles {b.q1:.2f}–{b.q3:.2f}, "
            f"range {b.low:.2f}–{b.high:.2f}")


def bias_chart(fig: ScaleFigures) -> QChart:
    """Each rater's mean difference from the other raters of the same sessions, thresholds at ±t."""
    title = "Rater bias"
    rated = {r: b for r, b in fig.bias.items() if b.bias is not None}
    if not rated:
        return _empty(title, fig, "no rater shares a session with another rater yet")
    chart = _chart(f"{title} — {fig.scale}: mean difference from the other raters of the same sessions")
    # Two stacked sets, each rater's bar in exactly one of them, so a flagged rater's bar is red.
    plain, flagged = QBarSet("Not flagged"), QBarSet("Flagged (bias beyond the threshold, or drift)")
    plain.setColor(QColor(ACCENT))
    flagged.setColor(FLAGGED)
    for b in rated.values():
        plain.append(0.0 if b.flagged else b.bias)
        flagged.append(b.bias if b.flagged else 0.0)
    series = QStackedBarSeries()
    series.append(plain)
    series.append(flagged)
    series.setBarWidth(0.6)
    raters = list(rated)
    series.hovered.connect(lambda status, index, _set: _tip(status, _bias_text(rated[raters[index]])))
    chart.addSeries(series)
    x = _rater_axis(raters)
    extent = max([abs(b.bias) for b in rated.values()] + [fig.threshold]) * 1.25
    y = _value_axis("Mean difference (scale points)", -extent, extent)
    _attach(chart, series, x, y)
    # The threshold lines run on their own hidden x axis spanning the categories' range.
    line_x = QValueAxis()
    line_x.setRange(-0.5, len(raters) - 0.5)
    line_x.setVisible(False)
    chart.addAxis(line_x, Qt.AlignmentFlag.AlignBottom)
    for level, name in ((fig.threshold, f"Flag threshold ±{fig.threshold:g}"), (-fig.threshold, None)):
        _hline(chart, level, -0.5, len(raters) - 0.5, name, line_x, y)
    return chart


def _bias_text(b: RaterBias) -> str:
    lines = [f"{b.rater_id}: bias {b.bias:+.3f} over {b.n_sessions} shared session(s)"]
    if b.bias_first_half is not None and b.bias_second_half is not None:
        lines.append(f"first half {b.bias_first_half:+.3f}, second half {b.bias_second_half:+.3f}")
    if b.drift_slope_per_day is not None:
        p = f", p = {b.drift_p:.3g}" if b.drift_p is not None else ""
        lines.append(f"drift {b.drift_slope_per_day:+.4f} per day{p}")
    lines += [f"flag: {flag}" for flag in b.flags]
    if b.reason:
        lines.append(b.reason)
    return "\n".join(lines)


def drift_chart(fig: ScaleFigures) -> QChart:
    """Each rater's weekly mean difference from the other raters, by submission week."""
    title = "Drift over time"
    if not fig.weeks:
        return _empty(title, fig, "no submitted rating shares a session with another rater yet")
    chart = _chart(f"{title} — {fig.scale}: weekly mean difference from the other raters "
                   "(click a rater in the legend to hide or show them)")
    weeks = sorted({w.week for points in fig.weeks.values() for w in points})
    first, last = _ms(weeks[0]) - 3.5 * _DAY_MS, _ms(weeks[-1]) + 3.5 * _DAY_MS
    x = QDateTimeAxis()
    x.setFormat("d MMM yyyy")
    x.setTitleText("Week of submission (Monday)")
    x.setTickCount(min(len(weeks), 8) + 1)
    x.setRange(QDateTime.fromMSecsSinceEpoch(int(first)), QDateTime.fromMSecsSinceEpoch(int(last)))
    means = [w.mean for points in fig.weeks.values() for w in points]
    extent = max([abs(v) for v in means] + [fig.threshold]) * 1.25
    y = _value_axis("Mean difference (scale points)", -extent, extent)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for n, (rater, points) in enumerate(fig.weeks.items()):
        bias = fig.bias.get(rater)
        flagged = bias is not None and bias.flagged
        series = QLineSeries()
        series.setName(f"{rater} (flagged)" if flagged else rater)
        series.setPointsVisible(True)
        # Each rater keeps a colour of their own (many can be flagged at once); flagged ones are drawn heavier.
        pen = QPen(QColor(PALETTE[n % len(PALETTE)]), 3.2 if flagged else 1.4)
        series.setPen(pen)
        for w in points:
            series.append(QPointF(_ms(w.week), w.mean))
        series.hovered.connect(lambda point, state, r=rater: _tip(state, _week_text(fig, r, point)))
        chart.addSeries(series)
        series.attachAxis(x)
        series.attachAxis(y)
    _hline(chart, 0.0, first, last, None, x, y, QColor(MUTED), Qt.PenStyle.SolidLine)
    for level, name in ((fig.threshold, f"Flag threshold ±{fig.threshold:g}"), (-fig.threshold, None)):
        _hline(chart, level, first, last, name, x, y)
    _legend_toggles(chart)
    return chart


def _legend_toggles(chart: QChart) -> None:
    """Clicking a rater in the legend hides or shows their line (17 raters' lines overlap)."""
    for marker in chart.legend().markers():
        def toggle(marker=marker) -> None:
            series = marker.series()
            series.setVisible(not series.isVisible())
            marker.setVisible(True)  # hiding a series hides its marker too; keep it clickable
            marker.setLabelBrush(QBrush(QColor(TEXT if series.isVisible() else "#b0b6bf")))

        marker.clicked.connect(toggle)


def _week_text(fig: ScaleFigures, rater: str, point: QPointF) -> str:
    nearest = min(fig.weeks[rater], key=lambda w: abs(_ms(w.week) - point.x()))
    return (f"{rater}, week of {nearest.week:%d %b %Y}: mean difference {nearest.mean:+.3f} "
            f"over {nearest.n} rating(s)")


def _ms(day: date) -> float:
    return datetime.combine(day, time(12)).timestamp() * 1000.0


def _attach(chart: QChart, series, x, y) -> None:
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)


def _hline(chart: QChart, level: float, start: float, end: float, name: str | None, x, y,
           color: QColor = FLAGGED, style: Qt.PenStyle = Qt.PenStyle.DashLine) -> QLineSeries:
    """A horizontal reference line; unnamed lines stay out of the legend."""
    line = QLineSeries()
    line.setName(name or "")
    pen = QPen(color, 1.2)
    pen.setStyle(style)
    line.setPen(pen)
    line.append(start, level)
    line.append(end, level)
    chart.addSeries(line)
    line.attachAxis(x)
    line.attachAxis(y)
    if not name:
        for marker in chart.legend().markers(line):
            marker.setVisible(False)
    return line


def _tip(show: bool, text: str) -> None:
    if show:
        QToolTip.showText(QCursor.pos(), text)
    else:
        QToolTip.hideText()

