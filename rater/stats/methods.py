"""A methods paragraph a PI can paste, generated from a :class:`ReliabilityReport`.

It states what a methods section needs (see ten Hove et al. 2022; Koo & Li
2016): the design, the headline ICC in McGraw & Wong (1996) and Shrout &
Fleiss (1979) notation with its 95% CI, single- and k-rater values, the Koo
& Li band, the missing-data rule and what it excluded, the median Cronbach's
alpha across session numbers, the training criterion and the software.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import rater
from rater.stats.analysis import ReliabilityReport, ScaleReliability
from rater.stats.headline import RANDOM_EFFECTS_FORM

logger = logging.getLogger(__name__)

# McGraw & Wong (1996) form -> (Shrout & Fleiss (1979) name, model in words)
NOTATION = {
    "ICC(1,1)": ("ICC(1,1)", "one-way random-effects model, single rater"),
    "ICC(1,k)": ("ICC(1,k)", "one-way random-effects model, mean of k raters"),
    "ICC(A,1)": ("ICC(2,1)", "two-way random-effects model, absolute agreement, single rater"),
    "ICC(A,k)": ("ICC(2,k)", "two-way random-effects model, absolute agreement, mean of k raters"),
    "ICC(C,1)": ("ICC(3,1)", "two-way mixed-effects model, consistency, single rater"),
    "ICC(C,k)": ("ICC(3,k)", "two-way mixed-effects model, consistency, mean of k raters"),
}


@dataclass(frozen=True)
class MethodsContext:
    """What the ratings alone do not tell: filled in from the study when known."""

    n_patients: int | None = None
    assignment: str | None = None  # e.g. "randomly, balanced across raters (seed 2026), ..."
    training: str | None = None    # e.g. "certified at ICC >= .80 against gold ratings"
    software: str = f"Session Rater {rater.__version__}"


def koo_li_band(value: float | None) -> str:
    """Koo & Li (2016): below .50 poor, .50-.75 moderate, .75-.90 good, above .90 excellent."""
    if value is None:
        return "undefined"
    if value < 0.5:
        return "poor"
    if value < 0.75:
        return "moderate"
    if value < 0.9:
        return "good"
    return "excellent"


def methods_text(report: ReliabilityReport, context: MethodsContext | None = None) -> str:
    """The paragraph: one design sentence, then per scale its reliability sentences."""
    context = context or MethodsContext()
    scales = list(report.scales.values())
    if not scales:
        return "No scale could be analysed, so no reliability can be reported."
    # The design sentence describes the scale most sessions entered (Review, say, skips session 1).
    widest = max(scales, key=lambda r: r.random_effects.n_sessions)
    parts = [_design(widest, context)]
    parts += [_scale(result) for result in scales]
    if context.training:
        parts.append(f"Before rating, raters were trained and {context.training}.")
    parts.append(f"Reliability was computed with {context.software} (NumPy and SciPy); the "
                 "random-effects model was fitted by restricted maximum likelihood and checked "
                 "against R's lme4.")
    return " ".join(parts)


def _design(first: ScaleReliability, context: MethodsContext) -> str:
    re = first.random_effects
    patients = f" of {context.n_patients} patients" if context.n_patients else ""
    k_text = f"a harmonic mean of {re.k:.2f} ratings per session" if re.k else "no ratings"
    rotate = ("raters rotated across sessions" if first.design == "one-way"
              else "every session was rated by the same raters")
    complete = first.n_sessions_dropped == 0 and first.n_sessions_truncated == 0
    shape = ("the design was complete" if complete else
             "the design was incomplete (sessions differed in their number of ratings)")
    assigned = f" Sessions were assigned {context.assignment}." if context.assignment else ""
    unrated = len(first.exclusions_random_effects)
    unrated_text = f" {unrated} session(s) had no usable {first.name} rating." if unrated else ""
    return (f"{re.n_sessions} sessions{patients} were rated by {re.n_raters} raters "
            f"({re.n_ratings} ratings, {k_text}); {rotate} and {shape}.{assigned}{unrated_text}")


def _scale(r: ScaleReliability) -> str:
    h = r.headline
    if h.value is None:
        return f"For {r.name}, no ICC could be estimated ({h.why})."
    ci = _ci(h.ci95)
    if h.form == RANDOM_EFFECTS_FORM:
        re = r.random_effects
        named = (f"the absolute-agreement ICC for the mean of k = {re.k:.2f} raters, ICC(A,k) in "
                 "McGraw & Wong's (1996) notation and the incomplete-design counterpart of "
                 "Shrout & Fleiss's (1979) ICC(2,k), estimated from a crossed random-effects "
                 "model (sessions and raters random) fitted to every scored rating "
                 "(ten Hove, Jorgensen & van der Ark, 2022)")
        single = f"single-rater ICC {_v(re.icc_single)}, {_ci(re.ci95_single)}"
    else:
        sf, words = NOTATION[h.form]
        named = f"{h.form} in McGraw & Wong's (1996) notation, {sf} in Shrout & Fleiss's (1979), a {words}"
        single_form = h.form.replace("k", "1")
        single = f"single-rater {single_form} {_v(r.icc[single_form].value)}, {_ci(r.icc[single_form].ci95)}"
    band = koo_li_band(h.value)
    lo_band, hi_band = koo_li_band(h.ci95[0]), koo_li_band(h.ci95[1])
    band_text = (f"{band} by Koo & Li's (2016) guidelines" if lo_band == hi_band == band
                 else f"{band} by Koo & Li's (2016) guidelines, its CI spanning {lo_band} to {hi_band}")
    text = (f"For {r.name}, reliability is reported as {named}: {_v(h.value)}, {ci} "
            f"({single}), {band_text}.")
    scoring = r.rule.split(". Sessions:")[0].removeprefix("Scoring: ")
    text += f" Missing items: {scoring}."
    unscored = r.counts.get("ratings_missing_items", 0) + r.counts.get("ratings_all_na", 0)
    if unscored:
        text += (f" {unscored} of {r.counts.get('ratings', 0)} ratings could not be scored "
                 "(too many items missing or N/A) and were left out.")
    left_out = r.exclusions_random_effects if h.form == RANDOM_EFFECTS_FORM else r.exclusions
    reasons = Counter(x.reason for x in left_out)
    if reasons:
        text += " Left out: " + ", ".join(f"{n} session(s) ({reason})"
                                         for reason, n in reasons.items()) + "."
    alpha = r.cronbach_by_session.median
    if alpha is not None:
        text += (f" The median Cronbach's alpha across session numbers was {_v(alpha)} "
                 f"({len(r.cronbach_by_session.by_session_number)} session numbers).")
    return text


def _v(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}".replace("0.", ".", 1) if 0 <= x < 1 else f"{x:.2f}"


def _ci(ci: tuple[float | None, float | None]) -> str:
    return f"95% CI [{_v(ci[0])}, {_v(ci[1])}]"
