"""The whole reliability analysis of a study: :func:`analyse`."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rater.stats.alpha import (
    AlphaResult,
    SessionAlpha,
    cronbach_alpha,
    cronbach_alpha_by_session_number,
)
from rater.stats.bias import DEFAULT_BIAS_THRESHOLD, DEFAULT_DRIFT_ALPHA, RaterBias, rater_bias
from rater.stats.design import Design, balance
from rater.stats.icc import ICC_CI_METHOD, IccResult, icc
from rater.stats.kalpha import KrippendorffResult, krippendorff_alpha
from rater.stats.scoring import (
    ScaleScores,
    ScaleSpec,
    default_scales,
    item_matrix,
    score_scale,
)
from rater.stats.table import RatingTable, StatsInputError, as_table

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale (``kind="scale"``) or one item (``kind="item"``).

    ``rule`` is a human sentence saying how ratings were scored and which
    sessions entered the ICC; ``notes`` explain every undefined (None) value.
    """

    name: str
    kind: Literal["scale", "item"]
    method: str
    n_items: int
    n_sessions: int
    n_sessions_dropped: int
    n_sessions_truncated: int
    k_raters: int
    design: Design
    rule: str
    icc: dict[str, IccResult]
    cronbach: AlphaResult
    cronbach_by_session: SessionAlpha
    krippendorff_interval: KrippendorffResult
    krippendorff_ordinal: KrippendorffResult
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReliabilityReport:
    """Everything :func:`analyse` found; serialise with ``report_to_json``."""

    scales: dict[str, ScaleReliability]
    items: dict[str, ScaleReliability]
    raters: list[RaterBias]
    ci_method: str = ICC_CI_METHOD


def scale_bias_threshold(spec: ScaleSpec, bias_threshold: float = DEFAULT_BIAS_THRESHOLD) -> float:
    """The flag threshold in the scale's own points: given in item-mean points, × n items for a sum scale."""
    return bias_threshold * (len(spec.items) if spec.method == "sum" else 1)


def analyse(
    rows: RatingTable | Mapping[str, Any] | Iterable[Any],
    scales: Sequence[ScaleSpec] | None = None,
    min_items: int | None = None,
    *,
    bias_threshold: float = DEFAULT_BIAS_THRESHOLD,
    drift_alpha: float = DEFAULT_DRIFT_ALPHA,
    include_items: bool = True,
) -> ReliabilityReport:
    """Reliability of every scale and item of a study.

    ``rows`` is a :class:`RatingTable`, a mapping of equally long columns
    (``session_id``, ``rater_id``, ``item``, ``score`` and optionally
    ``patient_id``, ``session_number``, ``scale``, ``submitted_at``) or an
    iterable of :class:`RatingRow`-like rows. Without ``scales``, each value of
    the ``scale`` column is a mean scale, or all items form one scale "all".
    ``min_items`` switches scale scoring from complete case to prorating.
    ``bias_threshold`` is in points of the item mean: for a sum scale of n
    items a rater is flagged beyond n × the threshold.
    Raises :class:`StatsInputError` for unusable input.
    """
    started = time.perf_counter()
    table = as_table(rows)
    specs = list(scales) if scales is not None else default_scales(table)
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise StatsInputError([f"scale names must be unique: {names}"])
    if min_items is not None and min_items < 1:
        raise StatsInputError([f"min_items must be at least 1 (got {min_items})"])
    matrix = item_matrix(table)
    item_names = [str(label) for label in table.item_labels]

    scale_results: dict[str, ScaleReliability] = {}
    raters: list[RaterBias] = []
    for spec in specs:
        scored = score_scale(matrix, item_names, spec, min_items)
        scale_results[spec.name] = _reliability(spec, "scale", scored, table)
        raters.extend(rater_bias(spec.name, scored.scores, table.rating_session,
                                 table.rating_rater, table.rater_labels, table.rating_days,
                                 scale_bias_threshold(spec, bias_threshold), drift_alpha))
    item_results: dict[str, ScaleReliability] = {}
    if include_items:
        for name in item_names:
            spec = ScaleSpec(name, [name])
            item_results[name] = _reliability(spec, "item", score_scale(matrix, item_names, spec),
                                              table)
    logger.info("reliability of %d scales and %d items from %d ratings in %.3f s",
                len(scale_results), len(item_results), table.n_ratings,
                time.perf_counter() - started)
    return ReliabilityReport(scale_results, item_results, raters)


def _reliability(spec: ScaleSpec, kind: Literal["scale", "item"], scored: ScaleScores,
                 table: RatingTable) -> ScaleReliability:
    balanced = balance(scored.scores, table.rating_session, table.rating_rater,
                       table.rater_labels, table.session_labels.size)
    forms = icc(balanced.matrix)
    cronbach = cronbach_alpha(scored.items)
    by_session = cronbach_alpha_by_session_number(scored.items, table.rating_session,
                                                  table.session_number)
    interval = krippendorff_alpha(table.rating_session, scored.scores, "interval")
    ordinal = krippendorff_alpha(table.rating_session, scored.scores, "ordinal")

    notes = list(scored.notes)
    by_reason: dict[str, list[str]] = {}
    for form, result in forms.items():
        if result.reason:
            by_reason.setdefault(result.reason, []).append(form)
    notes += [f"{', '.join(f)}: {reason}" for reason, f in by_reason.items()]
    for label, reason in (("cronbach_alpha", cronbach.reason),
                          ("cronbach_alpha_median_by_session", by_session.reason),
                          ("krippendorff_alpha_interval", interval.reason),
                          ("krippendorff_alpha_ordinal", ordinal.reason)):
        if reason:
            notes.append(f"{label}: {reason}")
    return ScaleReliability(
        name=spec.name, kind=kind, method=spec.method, n_items=len(spec.items),
        n_sessions=balanced.matrix.shape[0], n_sessions_dropped=balanced.n_dropped,
        n_sessions_truncated=balanced.n_truncated, k_raters=balanced.k, design=balanced.design,
        rule=f"Scoring: {scored.rule}. Sessions: {balanced.rule}", icc=forms,
        cronbach=cronbach, cronbach_by_session=by_session, krippendorff_interval=interval,
        krippendorff_ordinal=ordinal, notes=tuple(notes),
    )

