"""The whole reliability analysis of a study: :func:`analyse`."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from rater.stats.alpha import (
    AlphaResult,
    SessionAlpha,
    cronbach_alpha,
    cronbach_alpha_by_session_number,
)
from rater.stats.bias import DEFAULT_BIAS_THRESHOLD, DEFAULT_DRIFT_ALPHA, RaterBias, rater_bias
from rater.stats.cells import Cells
from rater.stats.design import Design, balance
from rater.stats.halo import RaterHalo, rater_halo
from rater.stats.headline import ROTATION_CAVEAT, Headline, choose_headline, small_data_warnings
from rater.stats.icc import ICC_CI_METHOD, IccResult, icc
from rater.stats.kalpha import LEVELS, KrippendorffResult, krippendorff_alphas
from rater.stats.mixed import CI_METHOD as RE_CI_METHOD
from rater.stats.mixed import RandomEffects, random_effects_icc
from rater.stats.scoring import (
    NOT_APPLICABLE,
    NOT_RATED,
    Exclusion,
    ScaleScores,
    ScaleSpec,
    default_scales,
    exclusions,
    scale_scores,
)
from rater.stats.table import RatingTable, StatsInputError, as_table

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale (``kind="scale"``) or one item (``kind="item"``).

    ``rule`` is a human sentence saying how ratings were scored and which
    sessions entered the ICC; ``notes`` explain every undefined (None) value.
    ``headline`` is the one ICC to report; ``caveats`` qualify the other
    forms; ``warnings`` flag figures resting on too few sessions or raters.
    ``exclusions`` lists the sessions the ANOVA forms left out,
    ``exclusions_random_effects`` those the random-effects fit left out.
    ``krippendorff`` holds all four levels (the two fields before it are the
    interval and ordinal ones, kept for existing readers).
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
    random_effects: RandomEffects
    headline: Headline
    krippendorff: dict[str, KrippendorffResult]
    counts: dict[str, int]
    exclusions: tuple[Exclusion, ...] = ()
    exclusions_random_effects: tuple[Exclusion, ...] = ()
    caveats: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReliabilityReport:
    """Everything :func:`analyse` found; serialise with ``report_to_json``."""

    scales: dict[str, ScaleReliability]
    items: dict[str, ScaleReliability]
    raters: list[RaterBias]
    halo: list[RaterHalo] = field(default_factory=list)
    ci_method: str = ICC_CI_METHOD
    random_effects_ci_method: str = RE_CI_METHOD


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
    # Every matrix here has at most a few hundred elements: BLAS threads only spin on
    # them, which on a busy machine cost a third of the analysis. One thread meanwhile.
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse(rows, scales, min_items, bias_threshold, drift_alpha, include_items)


def _analyse(rows: RatingTable | Mapping[str, Any] | Iterable[Any],
             scales: Sequence[ScaleSpec] | None, min_items: int | None, bias_threshold: float,
             drift_alpha: float, include_items: bool) -> ReliabilityReport:
    started = time.perf_counter()
    table = as_table(rows)
    specs = list(scales) if scales is not None else default_scales(table)
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise StatsInputError([f"scale names must be unique: {names}"])
    if min_items is not None and min_items < 1:
        raise StatsInputError([f"min_items must be at least 1 (got {min_items})"])
    # Built once and shared by every scale and item; each takes out only its own columns,
    # and its scores are dropped before the next is scored.
    cells = Cells.from_table(table)
    numbers = table.session_number[table.rating_session] if table.session_number is not None else None
    shared: dict[tuple, Any] = {}  # equal exclusions (and lists of them) of different figures: one object

    scale_results: dict[str, ScaleReliability] = {}
    raters: list[RaterBias] = []
    halo: list[RaterHalo] = []
    for spec in specs:
        scored = scale_scores(cells, spec, min_items, numbers, rated_only=True)
        part = _Ratings.of(table, scored.ratings)
        scale_results[spec.name] = _reliability(spec, "scale", scored, table, part, shared)
        raters.extend(rater_bias(spec.name, scored.scores, part.session, part.rater, table.rater_labels,
                                 part.days, scale_bias_threshold(spec, bias_threshold), drift_alpha))
        halo.extend(rater_halo(spec.name, scored.items, part.session, part.rater, table.rater_labels))
        del scored, part
    item_results: dict[str, ScaleReliability] = {}
    if include_items:
        # An item is "rated" by every rating of its scale's instrument, so an unanswered item
        # of such a rating counts as missing, not as never rated.
        instrument_of = {item: spec.rated_with for spec in reversed(specs) for item in spec.items}
        for name in cells.labels:
            spec = ScaleSpec(name, [name], rated_with=instrument_of.get(name))
            scored = scale_scores(cells, spec, None, numbers, rated_only=True)
            item_results[name] = _reliability(spec, "item", scored, table, _Ratings.of(table, scored.ratings),
                                              shared)
    logger.info("reliability of %d scales and %d items from %d ratings in %.3f s",
                len(scale_results), len(item_results), table.n_ratings,
                time.perf_counter() - started)
    return ReliabilityReport(scale_results, item_results, raters, halo)


class _Ratings(NamedTuple):
    """Per rating of a scale's scores (its ``ScaleScores.ratings``): session and rater codes and
    submission days."""

    session: np.ndarray
    rater: np.ndarray
    days: np.ndarray | None

    @classmethod
    def of(cls, table: RatingTable, rows: np.ndarray | None) -> _Ratings:
        """The table's ``rows`` (None: all of them, not copied)."""
        days = table.rating_days
        if rows is None:
            return cls(table.rating_session, table.rating_rater, days)
        return cls(table.rating_session[rows], table.rating_rater[rows], None if days is None else days[rows])


def _reliability(spec: ScaleSpec, kind: Literal["scale", "item"], scored: ScaleScores,
                 table: RatingTable, part: _Ratings, shared: dict[tuple, Any]) -> ScaleReliability:
    """Every figure of one scale or item; ``part`` holds the codes of the ratings ``scored`` holds."""
    balanced = balance(scored.scores, part.session, part.rater, table.rater_labels, table.session_labels.size)
    forms = icc(balanced.matrix)
    cronbach = cronbach_alpha(scored.items)
    by_session = cronbach_alpha_by_session_number(scored.items, part.session, table.session_number)
    kalpha = krippendorff_alphas(part.session, scored.scores, LEVELS)
    interval, ordinal = kalpha["interval"], kalpha["ordinal"]
    re = random_effects_icc(scored.scores, part.session, part.rater)

    n_sessions = table.session_labels.size
    status = scored.status if scored.status is not None else np.zeros(scored.scores.size, np.int8)
    applicable = np.bincount(part.session,
                             weights=(status != NOT_RATED) & (status != NOT_APPLICABLE),
                             minlength=n_sessions) > 0
    # Sessions where the scale applies but that the ANOVA forms could not keep make the
    # design incomplete; sessions where it does not apply (Review in session 1) do not.
    n_incomplete = int(np.count_nonzero(applicable & ~balanced.kept))
    n_kept = balanced.matrix.shape[0]
    headline = choose_headline(forms, balanced.design, balanced.k, n_kept, n_incomplete,
                               balanced.n_truncated, re)
    has_score = np.bincount(part.session, weights=~np.isnan(scored.scores),
                            minlength=n_sessions) > 0
    caveats = (ROTATION_CAVEAT,) if balanced.design == "one-way" and n_kept else ()
    warnings = small_data_warnings("the ANOVA ICC", n_kept, balanced.n_raters)
    warnings += small_data_warnings("the random-effects ICC", re.n_sessions, re.n_raters)

    notes = list(scored.notes)
    by_reason: dict[str, list[str]] = {}
    for form, result in forms.items():
        if result.reason:
            by_reason.setdefault(result.reason, []).append(form)
    notes += [f"{', '.join(f)}: {reason}" for reason, f in by_reason.items()]
    for label, reason in (("cronbach_alpha", cronbach.reason),
                          ("cronbach_alpha_median_by_session", by_session.reason),
                          *((f"krippendorff_alpha_{lv}", kalpha[lv].reason) for lv in LEVELS),
                          ("random_effects", re.reason)):
        if reason:
            notes.append(f"{label}: {reason}")
    return ScaleReliability(
        name=spec.name, kind=kind, method=spec.method, n_items=len(spec.items),
        n_sessions=balanced.matrix.shape[0], n_sessions_dropped=balanced.n_dropped,
        n_sessions_truncated=balanced.n_truncated, k_raters=balanced.k, design=balanced.design,
        rule=f"Scoring: {scored.rule}. Sessions: {balanced.rule}", icc=forms,
        cronbach=cronbach, cronbach_by_session=by_session, krippendorff_interval=interval,
        krippendorff_ordinal=ordinal, random_effects=re, headline=headline, krippendorff=kalpha,
        counts=scored.counts(),
        exclusions=tuple(exclusions(scored, part.session, table.session_labels, balanced.kept, shared)),
        exclusions_random_effects=tuple(exclusions(scored, part.session, table.session_labels, has_score,
                                                   shared)),
        caveats=caveats, warnings=tuple(warnings), notes=tuple(notes),
    )

