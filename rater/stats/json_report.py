"""A :class:`ReliabilityReport` as plain JSON-ready data (never NaN or infinity)."""

from __future__ import annotations

import logging
import math
from typing import Any

from rater.stats.analysis import ReliabilityReport, ScaleReliability
from rater.stats.bias import RaterBias
from rater.stats.halo import RaterHalo
from rater.stats.kalpha import LEVELS
from rater.stats.mixed import RandomEffects
from rater.stats.scoring import Exclusion

logger = logging.getLogger(__name__)


def report_to_json(report: ReliabilityReport) -> dict[str, Any]:
    """``{"scales": {name: entry}, "items": {name: entry}, "raters": [bias, ...]}``.

    Each entry has ``n_sessions``, ``k_raters``, ``design``, ``rule``, ``icc``
    (six forms, each ``value``, ``F``, ``df1``, ``df2``, ``p``, ``ci95``),
    ``cronbach_alpha``, ``krippendorff_alpha_<level>`` for the four levels,
    ``headline`` (``form``, ``value``, ``ci95``, ``why``), ``random_effects``
    (variance components, ICCs, k, CIs and counts of the REML fit),
    ``exclusions`` (sessions left out, with the reason), ``counts``,
    ``caveats`` and ``warnings``, plus further keys; undefined numbers are
    null and explained in ``notes``.
    """
    return {
        "scales": {name: _entry(result, report.ci_method) for name, result in report.scales.items()},
        "items": {name: _entry(result, report.ci_method) for name, result in report.items.items()},
        "raters": [_rater(bias) for bias in report.raters],
        "halo": [_halo(h) for h in report.halo],
        "random_effects_ci_method": report.random_effects_ci_method,
    }


def _halo(h: RaterHalo) -> dict[str, Any]:
    return {"rater_id": _label(h.rater_id), "scale": h.scale, "n_sessions": h.n_sessions,
            "spread": _number(h.spread), "others_spread": _number(h.others_spread),
            "ratio": _number(h.ratio), "flagged": h.flagged, "reason": h.reason}


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
        "headline": {
            "form": result.headline.form,
            "value": _number(result.headline.value),
            "ci95": _pair(result.headline.ci95),
            "why": result.headline.why,
        },
        "random_effects": _random_effects(result.random_effects),
        "cronbach_alpha": _number(result.cronbach.value),
        **{f"krippendorff_alpha_{level}": _number(result.krippendorff[level].value)
           for level in LEVELS},
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
        "counts": dict(result.counts),
        "exclusions": [_exclusion(x) for x in result.exclusions],
        "exclusions_random_effects": [_exclusion(x) for x in result.exclusions_random_effects],
        **({"random_effects_anova": _anova(result.random_effects)}
           if result.random_effects.anova is not None else {}),
        "caveats": list(result.caveats),
        "warnings": list(result.warnings),
        "notes": list(result.notes),
    }


def _random_effects(re: RandomEffects) -> dict[str, Any]:
    return {
        "method": re.method,
        "var_session": _number(re.var_session),
        "var_rater": _number(re.var_rater),
        "var_residual": _number(re.var_residual),
        "icc_single": _number(re.icc_single),
        "icc_average": _number(re.icc_average),
        "k": _number(re.k),
        "ci95_single": _pair(re.ci95_single),
        "ci95_average": _pair(re.ci95_average),
        "n_sessions": re.n_sessions,
        "n_ratings": re.n_ratings,
        "n_raters": re.n_raters,
    }


def _anova(re: RandomEffects) -> dict[str, Any]:
    """The one-way ANOVA figures given when the REML fit did not converge."""
    a = re.anova
    return {"method": "one-way ANOVA on all scored ratings (unbalanced, Searle's n0)",
            "var_session": _number(a.var_session), "var_within": _number(a.var_within),
            "icc_single": _number(a.icc_single), "icc_average": _number(a.icc_average),
            "n0": _number(a.n0), "reason": re.reason}


def _exclusion(x: Exclusion) -> dict[str, Any]:
    return {"session": x.session, "reason": x.reason, "ratings": x.ratings, "scored": x.scored}


def _pair(ci: tuple[float | None, float | None]) -> list[float | None]:
    return [_number(ci[0]), _number(ci[1])]


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
