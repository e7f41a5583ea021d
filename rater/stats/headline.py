"""One named headline ICC per scale, the reason it was chosen, and the caveats of the rest.

Rule (the figure a study's analyses use is the mean of each session's
raters, so the headline is always an average-measures ICC):

* every session that entered has the same number k of scored ratings and
  none was dropped or cut to k: the classic ANOVA form, ICC(1,k) when raters
  rotate (one-way) and ICC(A,k) when the same k raters rated every session;
* otherwise the design is incomplete and the ANOVA forms leave ratings out:
  the random-effects average-measures ICC, which uses every scored rating;
* if that model cannot be fitted, ICC(1,k) on the balanced subset, saying why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rater.stats.design import Design
from rater.stats.icc import IccResult
from rater.stats.mixed import RandomEffects

logger = logging.getLogger(__name__)

RANDOM_EFFECTS_FORM = "RE ICC(A,k)"
ROTATION_CAVEAT = (
    "raters rotate across sessions: ICC(A,·) and ICC(C,·) treat each column as one rater, but "
    "column j holds each session's j-th rater in rater-id order, so their values depend on that "
    "order; use ICC(1,·) or the random-effects ICC")
MIN_SESSIONS = 30
# The rule in words, for the export's codebook; kept beside the code that applies it.
HEADLINE_RULE = (
    "When raters rotate across sessions the one-way ICC(1,k) (average of k raters) is the design-correct "
    "headline; when every session has the same raters, ICC(A,k). All six forms are reported.")
_COMPLETE_FORM = {"one-way": "ICC(1,k)", "two-way": "ICC(A,k)"}
_WHEN = {"one-way": "when raters rotate", "two-way": "for fixed raters"}


def complete_design_form(design: Design) -> str:
    """The headline ANOVA form of a complete design: ICC(1,k) one-way, ICC(A,k) two-way."""
    return _COMPLETE_FORM[design]


def headline_note(form: str) -> str:
    """"the headline when raters rotate" for a form some complete design reports, else ""."""
    for design, complete in _COMPLETE_FORM.items():
        if complete == form:
            return f"the headline {_WHEN[design]}"
    return ""


@dataclass(frozen=True)
class Headline:
    """The ICC to report for a scale: ``form`` names it, ``why`` says why this one."""

    form: str | None
    value: float | None
    ci95: tuple[float | None, float | None]
    why: str


def choose_headline(forms: dict[str, IccResult], design: Design, k: int, n_sessions: int,
                    n_dropped: int, n_truncated: int, random_effects: RandomEffects) -> Headline:
    """Apply the module's rule to the ANOVA forms and the random-effects fit of one scale."""
    complete = n_sessions >= 2 and n_dropped == 0 and n_truncated == 0
    re = random_effects
    if complete:
        form = complete_design_form(design)
        result = forms[form]
        who = ("raters rotate, so the one-way model" if design == "one-way"
               else "the same raters rated every session, so the two-way random model")
        why = (f"every one of the {n_sessions} sessions has exactly {k} scored ratings and {who} "
               f"fits; average measures because analyses use the mean of the {k} raters")
        if result.value is None:
            why += f"; undefined: {result.reason}"
        return Headline(form, result.value, result.ci95, why)
    if re.converged and re.icc_average is not None:
        why = (f"the design is incomplete ({n_dropped} session(s) with fewer than {k} scored "
               f"ratings, {n_truncated} with more), so the crossed random-effects model uses all "
               f"{re.n_ratings} scored ratings of {re.n_sessions} sessions; average measures for "
               f"k = {re.k:.2f} (harmonic mean of ratings per session)")
        return Headline(RANDOM_EFFECTS_FORM, re.icc_average, re.ci95_average, why)
    result = forms["ICC(1,k)"]
    why = (f"the design is incomplete but the random-effects model could not be used "
           f"({re.reason}), so ICC(1,k) on the {n_sessions} sessions with {k} scored ratings")
    if result.value is None:
        why += f"; undefined: {result.reason}"
    return Headline("ICC(1,k)" if n_sessions else None, result.value, result.ci95, why)


def small_data_warnings(label: str, n_sessions: int, n_raters: int) -> list[str]:
    """Warnings for a figure based on fewer than 30 sessions or fewer than 2 raters."""
    out = []
    if n_sessions < MIN_SESSIONS:
        out.append(f"{label} rests on {n_sessions} session(s), fewer than {MIN_SESSIONS}: "
                   "its confidence interval is wide")
    if n_raters < 2:
        out.append(f"{label} rests on {n_raters} rater(s): rater agreement needs at least 2")
    return out
