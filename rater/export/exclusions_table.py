"""The Exclusions sheet: every session a reliability figure left out, and why.

One row per (scale or item, figure, session): the random-effects fit leaves
out only sessions without any scored rating; the ANOVA ICC forms also leave
out sessions with fewer than k scored ratings. The reason is one of "not
applicable" (the scale is not rated in that session number), "missing items"
(ratings could not be scored under the scale's missing-data rule) and "too
few ratings".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

from rater.export.table import Column, Table
from rater.stats import ReliabilityReport

log = logging.getLogger(__name__)

FIGURES = (("random effects", "exclusions_random_effects"), ("ANOVA ICC forms", "exclusions"))

COLUMNS = (
    Column("instrument", description="Instrument key"),
    Column("kind", description="scale or item"),
    Column("name", description="The scale or item (see Reliability, Item reliability)"),
    Column("figure", description="The figure that left the session out: random effects or the ANOVA ICC forms"),
    Column("patient", description="Patient code"),
    Column("session_number", "int", "Session number"),
    Column("reason", description="not applicable / missing items / too few ratings"),
    Column("ratings", "int", "Ratings of the session on this instrument"),
    Column("ratings_scored", "int", "Of those, ratings with a score"),
)


def _split(session: str) -> tuple[str, int | None]:
    """ "P001#2" -> ("P001", 2); other labels (CSV input) stay whole."""
    patient, _sep, number = session.rpartition("#")
    return (patient, int(number)) if patient and number.isdigit() else (session, None)


def exclusions_table(report: ReliabilityReport | None, scale_sources: Mapping[str, tuple[str, str]],
                     item_sources: Mapping[str, tuple[str, str]]) -> Table:
    """The sessions each scale's and item's figures left out (no rows without a report)."""
    groups = [] if report is None else [("scale", report.scales, scale_sources), ("item", report.items, item_sources)]

    def rows() -> Iterator[tuple]:
        for kind, results, sources in groups:
            for name, result in results.items():
                instrument = sources.get(name, ("", ""))[0] or None
                for figure, attribute in FIGURES:
                    for ex in getattr(result, attribute):
                        patient, number = _split(ex.session)
                        yield (instrument, kind, name, figure, patient, number, ex.reason, ex.ratings, ex.scored)

    estimate = 0 if report is None else sum(
        len(r.exclusions) + len(r.exclusions_random_effects)
        for results in (report.scales, report.items) for r in results.values())
    return Table("exclusions", "Exclusions", COLUMNS, rows, estimate,
                 "Sessions left out of a reliability figure, by scale or item, with the reason.")
