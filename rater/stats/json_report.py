"""A :class:`ReliabilityReport` as plain JSON-ready data (never NaN or infinity)."""

from __future__ import annotations

import logging
import math
from typing import Any

from rater.stats.analysis import ReliabilityReport, ScaleReliability
from rater.stats.bias import RaterBias

logger = logging.getLogger(__name__)


def report_to_json(report: ReliabilityReport) -> dict[str, Any]:
    """``{"scales": {name: entry}, "items": {name: entry}, "raters": [bias, ...]}``.

    Each entry has ``n_sessions``, ``k_raters``, ``design``, ``rule``, ``icc``
    (six forms, each ``value``, ``F``, ``df1``, ``df2``, ``p``, ``ci95``),
    ``cronbach_alpha`` and ``krippendorff_alpha_interval``, plus further keys;
    undefined numbers are null and explained in ``notes``.
    """
    return {
        "scales": {name: _entry(result, report.ci_method) for name, result in report.scales.items()},
        "items": {name: _entry(result, report.ci_method) for name, result in report.items.items()},
        "raters": [_rater(bias) for bias in report.raters],
    }


def _entry(result: ScaleReliability, ci_method: str) -> dict[str, Any]:
    return {
        "n_sessions": result.n_sessions,
        "k_raters": result.k_raters,
        "design": result.design,
        "rule": result.rule,
        "icc": {
            form: {
                "value": _number(r.value),
                "F": _number(r.F),
                "df1": r.df1,
                "df2": r.df2,
                "p": _number(r.p),
                "ci95": [_number(r.ci95[0]), _number(r.ci95[1])],
            }
            for form, r in result.icc.items()
        },
        "cronbach_alpha": _number(result.cronbach.value),
        "krippendorff_alpha_interval": _number(result.krippendorff_interval.value),
        "krippendorff_alpha_ordinal": _number(result.krippendorff_ordinal.value),
        "cronbach_alpha_median_by_session": _number(result.cronbach_by_session.median),
        "cronbach_alpha_by_session_number": {
            str(number): _number(alpha.value)
            for number, alpha in result.cronbach_by_session.by_session_number.items()
        },
        "n_sessions_dropped": result.n_sessions_dropped,
        "n_sessions_truncated": result.n_sessions_truncated,
        "n_items": result.n_items,
        "method": result.method,
        "ci_method": ci_method,
        "notes": list(result.notes),
    }


def _rater(bias: RaterBias) -> dict[str, Any]:
    return {
        "rater_id": _label(bias.rater_id),
        "scale": bias.scale,
        "n_sessions": bias.n_sessions,
        "bias": _number(bias.bias),
        "bias_first_half": _number(bias.bias_first_half),
        "bias_second_half": _number(bias.bias_second_half),
        "drift_slope_per_day": _number(bias.drift_slope_per_day),
        "drift_p": _number(bias.drift_p),
        "flagged": bias.flagged,
        "flags": list(bias.flags),
        "reason": bias.reason,
    }


def _number(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _label(label: Any) -> int | str:
    return label if isinstance(label, (int, str)) and not isinstance(label, bool) else str(label)
