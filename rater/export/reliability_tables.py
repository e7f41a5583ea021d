"""Reliability figures from :mod:`rater.stats` as tables: one row per scale or item.

Undefined statistics are blank cells, never NaN, and every blank is
explained in the row's ``notes`` (the statistics module gives the reason for
each one; this module adds the per-session-number alphas).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from rater.export.table import Column, Table, static_table
from rater.stats import ICC_FORMS, ReliabilityReport, ScaleReliability

log = logging.getLogger(__name__)

HEADLINE = {"one-way": "ICC(1,k)", "two-way": "ICC(A,k)"}
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
               Column("method", description="How item scores combine (mean or sum)"),
               Column("n_items", "int", "Items in the scale"),
               Column("design", description="one-way (raters rotate across sessions) or two-way (same raters)"),
               Column("headline", description="The ICC form the design calls for: ICC(1,k) one-way, ICC(A,k) two-way"),
               Column("k_raters", "int", "Raters per session in the ICC"),
               Column("n_sessions", "int", "Sessions in the ICC"),
               Column("sessions_dropped", "int", "Sessions with fewer than k scored ratings (left out)"),
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
    columns += [Column("krippendorff_interval", "float", "Krippendorff's alpha, interval metric", "0.000"),
                Column("krippendorff_ordinal", "float", "Krippendorff's alpha, ordinal metric", "0.000"),
                Column("rule", description="Scoring and session-selection rule behind the figures"),
                Column("notes", description="Why any value in the row is blank")]
    return columns


def _number(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _row(result: ScaleReliability, instrument: str | None, numbers: Sequence[int]) -> tuple[Any, ...]:
    cells: list[Any] = [instrument, result.name, result.method, result.n_items, result.design,
                        HEADLINE.get(result.design), result.k_raters, result.n_sessions,
                        result.n_sessions_dropped, result.n_sessions_truncated]
    for form in ICC_FORMS:
        r = result.icc[form]
        cells += [_number(r.value), _number(r.F), r.df1, r.df2, _number(r.p), _number(r.ci95[0]),
                  _number(r.ci95[1])]
    by_number = result.cronbach_by_session.by_session_number
    notes = list(result.notes)
    cells += [_number(result.cronbach.value), result.cronbach.n_rows, _number(result.cronbach_by_session.median)]
    for n in numbers:
        alpha = by_number.get(n)
        cells.append(_number(alpha.value) if alpha else None)
        if alpha is None:
            notes.append(f"cronbach_session_{n}: no ratings of session {n}")
        elif alpha.value is None and alpha.reason:
            notes.append(f"cronbach_session_{n}: {alpha.reason}")
    cells += [_number(result.krippendorff_interval.value), _number(result.krippendorff_ordinal.value),
              result.rule, "; ".join(notes) or None]
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
                        f"Inter-rater reliability per {kind}: ICC in six forms, Cronbach's and Krippendorff's alpha.")
