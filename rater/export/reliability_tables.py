"""Reliability figures from :mod:`rater.stats` as tables: one row per scale or item.

Each row leads with the scale's headline ICC (its form, value, 95% CI and
why it is the one to report), then what entered it (sessions, ratings,
raters, and the ratings and item scores left out, each kind named), then the
detail: the random-effects fit, the six ANOVA forms, Cronbach's and
Krippendorff's alphas. Undefined statistics are blank cells, never NaN, and
every blank is explained in the row's ``notes`` (the statistics module gives
the reason for each one; this module adds the per-session-number alphas).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from rater.export.table import Column, Table, static_table
from rater.stats import ICC_FORMS, ReliabilityReport, ScaleReliability
from rater.stats.headline import RANDOM_EFFECTS_FORM

log = logging.getLogger(__name__)

KRIPPENDORFF_LEVELS = ("nominal", "ordinal", "interval", "ratio")
# (column, ScaleScores.counts() key, description): every count says which kind it is.
COUNT_COLUMNS = (
    ("ratings", "ratings", "Ratings of the scale's instrument"),
    ("ratings_scored", "ratings_scored", "Ratings with a scale score (the scale's missing-data rule met)"),
    ("ratings_missing_items", "ratings_missing_items", "Ratings not scored: too few items scored"),
    ("ratings_all_na", "ratings_all_na", "Ratings not scored: every item marked N/A"),
    ("ratings_not_applicable", "ratings_not_applicable",
     "Ratings of sessions the scale is not rated in (not applicable)"),
    ("item_scores_na", "item_scores_na", "Item scores the raters marked N/A (left out of the scale)"),
    ("item_scores_missing", "item_scores_missing", "Item scores missing (neither a value nor N/A)"),
)
_ICC_PARTS = (("", "float", "0.000", "value"), (" F", "float", "0.00", "F statistic"),
              (" df1", "int", None, "numerator degrees of freedom"),
              (" df2", "int", None, "denominator degrees of freedom"),
              (" p", "float", None, "p of the F test (H0: ICC = 0)"),
              (" CI low", "float", "0.000", "lower 95% confidence limit"),
              (" CI high", "float", "0.000", "upper 95% confidence limit"))


def _session_numbers(results: Sequence[ScaleReliability]) -> list[int]:
    return sorted({n for r in results for n in r.cronbach_by_session.by_session_number})


def _columns(kind: str, numbers: Sequence[int]) -> list[Column]:
    label = "scale" if kind == "scale" else "item"
    columns = [Column("instrument", description="Instrument key"),
               Column(label, description=f"The {label} (see Codebook)"),
               Column("headline", description="The ICC to report for this scale (see headline_why)"),
               Column("headline_value", "float", "Value of the headline ICC", "0.000"),
               Column("headline_ci_low", "float", "Lower 95% confidence limit of the headline ICC", "0.000"),
               Column("headline_ci_high", "float", "Upper 95% confidence limit of the headline ICC", "0.000"),
               Column("headline_why", description="Why this form is the headline for this design"),
               Column("headline_n_sessions", "int", "Sessions that entered the headline ICC"),
               Column("headline_n_ratings", "int", "Scored ratings that entered the headline ICC"),
               Column("method", description="How item scores combine (mean or sum)"),
               Column("n_items", "int", "Items in the scale"),
               *(Column(name, "int", what) for name, _key, what in COUNT_COLUMNS),
               Column("re_n_sessions", "int", "Sessions in the random-effects fit (at least one scored rating)"),
               Column("re_n_ratings", "int", "Scored ratings in the random-effects fit"),
               Column("re_n_raters", "int", "Raters in the random-effects fit"),
               Column("re_sessions_excluded", "int", "Sessions the random-effects fit left out (see Exclusions)"),
               Column("re_var_session", "float", "Random effects: session variance (REML)", "0.0000"),
               Column("re_var_rater", "float", "Random effects: rater variance (REML)", "0.0000"),
               Column("re_var_residual", "float", "Random effects: residual variance (REML)", "0.0000"),
               Column("re_k", "float", "Harmonic mean of scored ratings per session", "0.00"),
               Column("re_icc_single", "float", "Random-effects ICC for one rater (absolute agreement)", "0.000"),
               Column("re_icc_single CI low", "float", "its lower 95% limit", "0.000"),
               Column("re_icc_single CI high", "float", "its upper 95% limit", "0.000"),
               Column("re_icc_average", "float", "Random-effects ICC for the mean of k raters", "0.000"),
               Column("re_icc_average CI low", "float", "its lower 95% limit", "0.000"),
               Column("re_icc_average CI high", "float", "its upper 95% limit", "0.000"),
               Column("design", description="one-way (raters rotate across sessions) or two-way (same raters)"),
               Column("k_raters", "int", "Raters per session in the ANOVA ICC forms"),
               Column("n_sessions", "int", "Sessions in the ANOVA ICC forms"),
               Column("sessions_dropped", "int", "Sessions with fewer than k scored ratings (left out; see Exclusions)"),
               Column("sessions_truncated", "int", "Sessions with more than k ratings (first k raters kept)")]
    for form in ICC_FORMS:
        columns += [Column(f"{form}{suffix}", kind_, f"{form}: {what}", fmt)
                    for suffix, kind_, fmt, what in _ICC_PARTS]
    columns += [Column("cronbach_alpha", "float", "Cronbach's alpha over ratings (listwise)", "0.000"),
                Column("cronbach_n", "int", "Ratings in that alpha"),
                Column("cronbach_median_by_session", "float",
                       "Median over session numbers of alpha on the raters' mean item scores", "0.000")]
    columns += [Column(f"cronbach_session_{n}", "float", f"Alpha across patients' session {n}", "0.000")
                for n in numbers]
    columns += [Column(f"krippendorff_{level}", "float", f"Krippendorff's alpha, {level} metric", "0.000")
                for level in KRIPPENDORFF_LEVELS]
    columns += [Column("krippendorff_n_sessions", "int", "Sessions with two or more scores in Krippendorff's alpha"),
                Column("krippendorff_n_scores", "int", "Scores in Krippendorff's alpha")]
    columns += [Column("caveats", description="What qualifies the forms other than the headline"),
                Column("warnings", description="Figures resting on too few sessions or raters"),
                Column("rule", description="Scoring and session-selection rule behind the figures"),
                Column("notes", description="Why any value in the row is blank")]
    return columns


def _number(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _row(result: ScaleReliability, instrument: str | None, numbers: Sequence[int]) -> tuple[Any, ...]:
    head, re = result.headline, result.random_effects
    on_re = head.form == RANDOM_EFFECTS_FORM
    cells: list[Any] = [instrument, result.name, head.form, _number(head.value), _number(head.ci95[0]),
                        _number(head.ci95[1]), head.why,
                        re.n_sessions if on_re else result.n_sessions,
                        re.n_ratings if on_re else result.n_sessions * result.k_raters,
                        result.method, result.n_items]
    cells += [result.counts.get(key, 0) for _name, key, _what in COUNT_COLUMNS]
    cells += [re.n_sessions, re.n_ratings, re.n_raters, len(result.exclusions_random_effects),
              _number(re.var_session), _number(re.var_rater), _number(re.var_residual), _number(re.k),
              _number(re.icc_single), _number(re.ci95_single[0]), _number(re.ci95_single[1]),
              _number(re.icc_average), _number(re.ci95_average[0]), _number(re.ci95_average[1]),
              result.design, result.k_raters, result.n_sessions, result.n_sessions_dropped,
              result.n_sessions_truncated]
    for form in ICC_FORMS:
        r = result.icc[form]
        cells += [_number(r.value), _number(r.F), r.df1, r.df2, _number(r.p), _number(r.ci95[0]),
                  _number(r.ci95[1])]
    by_number = result.cronbach_by_session.by_session_number
    notes = list(result.notes)
    if re.reason:
        notes.append(f"random effects: {re.reason}")
    cells += [_number(result.cronbach.value), result.cronbach.n_rows, _number(result.cronbach_by_session.median)]
    for n in numbers:
        alpha = by_number.get(n)
        cells.append(_number(alpha.value) if alpha else None)
        if alpha is None:
            notes.append(f"cronbach_session_{n}: no ratings of session {n}")
        elif alpha.value is None and alpha.reason:
            notes.append(f"cronbach_session_{n}: {alpha.reason}")
    for level in KRIPPENDORFF_LEVELS:
        alpha = result.krippendorff.get(level)
        cells.append(_number(alpha.value) if alpha else None)
    interval = result.krippendorff_interval
    cells += [interval.n_units, interval.n_values]
    cells += ["; ".join(result.caveats) or None, "; ".join(result.warnings) or None, result.rule,
              "; ".join(notes) or None]
    return tuple(cells)


def reliability_table(report: ReliabilityReport | None, kind: str, sources: Mapping[str, tuple[str, str]],
                      problems: Sequence[str] = ()) -> Table:
    """Scales (``kind="scale"``) or items (``kind="item"``) of ``report``, one row each.

    Without a report (the study has no analysable ratings yet) the table has
    one row whose notes give the reason.
    """
    results = list((report.scales if kind == "scale" else report.items).values()) if report else []
    numbers = _session_numbers(results)
    columns = _columns(kind, numbers)
    rows = [_row(r, sources.get(r.name, ("", ""))[0] or None, numbers) for r in results]
    if report is None:
        blank = [None] * len(columns)
        blank[-1] = "; ".join(problems) or "no ratings to analyse"
        rows = [tuple(blank)]
    key, title = ("reliability", "Reliability") if kind == "scale" else ("item_reliability", "Item reliability")
    return static_table(key, title, columns, rows,
                        f"Inter-rater reliability per {kind}: the headline ICC first, then what entered it, the "
        "random-effects fit, the six ANOVA ICC forms, Cronbach's and Krippendorff's alpha.")
