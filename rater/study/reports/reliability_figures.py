"""What the Reliability screen shows, computed off the GUI thread and handed over as plain data.

No Qt here: :func:`compute_figures` runs in a worker. It analyses the same
ratings the Excel export contains (submitted ratings, scored by the study's
instrument files, through :func:`rater.stats.analyse`) and derives the plot
data from the same scale scores: each rater's score distribution, and each
rater's difference from the other raters of the same session over time,
by :func:`rater.stats.bias.session_differences`, as the bias figures are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from rater.sort_keys import natural_key
from rater.stats import RaterBias, ReliabilityReport, ScaleSpec, analyse
from rater.stats.analysis import scale_bias_threshold
from rater.stats.bias import DEFAULT_BIAS_THRESHOLD, session_differences
from rater.stats.scoring import item_matrix, na_matrix, present_matrix, score_scale
from rater.stats.table import RatingTable
from rater.storage.database import Database
from rater.study.reports.reliability_data import reliability_rows, study_catalog

log = logging.getLogger(__name__)

NEEDS = "Reliability needs submitted ratings from at least two raters per session."
_EPOCH = datetime(1970, 1, 1)  # rating_days counts days since this (naive UTC), see rater.study.reports.reliability_data


@dataclass(frozen=True)
class BoxStats:
    """Five numbers of one rater's scale scores (whiskers at the minimum and maximum)."""

    low: float
    q1: float
    median: float
    q3: float
    high: float
    n: int


@dataclass(frozen=True)
class WeekMean:
    """One rater's mean difference from the other raters over the ratings submitted in one week."""

    week: date  # the Monday
    mean: float
    n: int


@dataclass(frozen=True)
class ScaleFigures:
    """Plot data of one scale; raters in natural code order."""

    scale: str
    boxes: dict[str, BoxStats]
    bias: dict[str, RaterBias]
    weeks: dict[str, list[WeekMean]]
    threshold: float = DEFAULT_BIAS_THRESHOLD
    score_range: tuple[float, float] | None = None  # lowest and highest possible scale score
    points: dict[str, list[float]] = field(default_factory=dict)  # every scale score, per rater

    @property
    def has_scores(self) -> bool:
        return bool(self.boxes)


@dataclass(frozen=True)
class StudyFigures:
    """The study's reliability report, where its labels come from, and the plots' data per scale."""

    report: ReliabilityReport
    scale_sources: dict[str, tuple[str, str]]
    item_sources: dict[str, tuple[str, str]]
    scales: dict[str, ScaleFigures] = field(default_factory=dict)
    n_ratings: int = 0
    n_raters: int = 0

    @property
    def reliable(self) -> bool:
        """True when at least one scale has sessions with two or more scored ratings."""
        return any(r.k_raters >= 2 for r in self.report.scales.values())


def compute_figures(db: Database, study_id: str) -> StudyFigures:
    """Analyse the study's submitted ratings; raises :class:`rater.stats.StatsInputError` when there are none."""
    data = reliability_rows(db, study_id)
    report = analyse(data.rows, data.scales)
    table = data.rows
    matrix = item_matrix(table)
    item_names = [str(label) for label in table.item_labels]
    numbers = table.session_number[table.rating_session] if table.session_number is not None else None
    context = {"na": na_matrix(table), "session_number": numbers, "present": present_matrix(table)}
    ranges = _score_ranges(db, study_id, data.scale_sources)
    scales = {spec.name: _scale_figures(spec, matrix, item_names, table, report, context, ranges.get(spec.name))
              for spec in data.scales}
    log.info("reliability figures for %s: %d scale(s), %d rating(s)", data.study_code, len(scales), table.n_ratings)
    return StudyFigures(report, data.scale_sources, data.item_sources, scales, table.n_ratings,
                        int(table.rater_labels.size))


def _score_ranges(db: Database, study_id: str, sources: dict[str, tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Each scale's possible scores, from its items' ranges (recoded) and how they combine."""
    with db.reading() as s:
        catalog = study_catalog(s, study_id)
    out = {}
    for label, (key, scale_id) in sources.items():
        model = catalog.latest(key).model
        scale = next(sc for sc in model.scales if sc.id == scale_id)
        lows, highs = [], []
        for item_id in scale.items:
            values = [scale.recoded(v) for v in model.item(item_id).values()]
            lows.append(min(values))
            highs.append(max(values))
        out[label] = (sum(lows), sum(highs)) if scale.method == "sum" else (min(lows), max(highs))
    return out


def _scale_figures(spec: ScaleSpec, matrix: np.ndarray, item_names: list[str], table: RatingTable,
                   report: ReliabilityReport, context: dict,
                   score_range: tuple[float, float] | None = None) -> ScaleFigures:
    # Scored as analyse() scores (the scale's own rule, N/A apart), so the plots show the numbers behind the ICCs.
    scores = score_scale(matrix, item_names, spec, **context).scores
    scored = ~np.isnan(scores)
    raters = table.rating_rater[scored]
    values = scores[scored]
    order = sorted(np.unique(raters), key=lambda code: natural_key(str(table.rater_labels[code])))
    boxes = {str(table.rater_labels[code]): _box(values[raters == code]) for code in order}
    bias = {str(b.rater_id): b for b in report.raters if b.scale == spec.name}
    weeks = _weekly_differences(values, table.rating_session[scored], raters,
                                table.rating_days[scored] if table.rating_days is not None else None,
                                [str(label) for label in table.rater_labels], order)
    points = {str(table.rater_labels[code]): [float(v) for v in values[raters == code]] for code in order}
    return ScaleFigures(spec.name, boxes, bias, weeks, scale_bias_threshold(spec), score_range, points)


def _box(values: np.ndarray) -> BoxStats:
    low, q1, median, q3, high = np.percentile(values, [0, 25, 50, 75, 100])
    return BoxStats(float(low), float(q1), float(median), float(q3), float(high), int(values.size))


def _weekly_differences(values: np.ndarray, sessions: np.ndarray, raters: np.ndarray, days: np.ndarray | None,
                        labels: list[str], order: list[int]) -> dict[str, list[WeekMean]]:
    """Per rater, the weekly mean of (own score - mean of the session's other raters)."""
    if days is None or values.size == 0:
        return {}
    diff, shared = session_differences(values, sessions)
    shared &= ~np.isnan(days)
    out: dict[str, list[WeekMean]] = {}
    for code in order:
        mine = shared & (raters == code)
        if not mine.any():
            continue
        by_week: dict[date, list[float]] = {}
        for day, d in zip(days[mine], diff[mine], strict=True):
            moment = _EPOCH + timedelta(days=float(day))
            monday = moment.date() - timedelta(days=moment.weekday())
            by_week.setdefault(monday, []).append(float(d))
        out[labels[code]] = [WeekMean(week, float(np.mean(ds)), len(ds)) for week, ds in sorted(by_week.items())]
    return out

