"""The Methods sheet: a paragraph a PI can paste, generated from the study and its figures.

The paragraph comes from :func:`rater.stats.methods.methods_text`; this module
supplies what the ratings alone do not say, taken from the study: how many
patients were rated and how sessions were assigned (raters per session in
each team, and whether any rater rated two sessions of one patient).
"""

from __future__ import annotations

import logging

import numpy as np

from rater.export.dataset import StudyData, load_study
from rater.export.table import Column, Table, static_table
from rater.instruments.scoring import SCORING_RULES
from rater.stats import ReliabilityReport
from rater.stats.methods import MethodsContext, methods_text
from rater.storage.database import Database
from rater.study.reports.reliability_data import ReliabilityData

log = logging.getLogger(__name__)

COLUMNS = (Column("section", description="What the text is"),
           Column("text", description="Text to paste into a methods section"))


def methods_context(data: StudyData) -> MethodsContext:
    """Patients rated and the assignment design, from the study's ratings and teams."""
    scores = data.scores
    if scores is None or scores.n_ratings == 0:
        return MethodsContext()
    index: dict[str, int] = {}
    patient_code = np.array([index.setdefault(s.patient, len(index)) for s in data.sessions], dtype=np.int32)
    rated_patient = patient_code[scores.session]
    n_patients = int(np.unique(rated_patient).size)
    # A rater with two different sessions of one patient breaks the usual independence rule.
    # (rater, patient, session) as one integer: a 1-D unique is far faster than one along an axis.
    n_sessions = len(data.sessions)
    rater_patient = scores.rater.astype(np.int64) * len(index) + rated_patient
    triples = np.unique(rater_patient * n_sessions + scores.session)
    per_patient = np.unique(triples // n_sessions, return_counts=True)[1]
    teams = "; ".join(f"{t.name}: {t.raters_per_session} raters per session "
                      f"({', '.join(r.instrument_key for r in t.rates) or 'no instrument'})"
                      for t in data.teams if t.members)
    rule = ("no rater rated more than one session of the same patient" if per_patient.max(initial=1) <= 1
            else "some raters rated more than one session of the same patient")
    assignment = f"within each rating team ({teams}), and {rule}" if teams else rule
    return MethodsContext(n_patients=n_patients, assignment=assignment)


def study_methods_input(db: Database, study_id: str,
                        include_in_progress: bool = False) -> tuple[ReliabilityData, MethodsContext]:
    """The statistics' input and the methods context of a study, from one read (for the command line)."""
    data = load_study(db, study_id, include_in_progress)
    return data.reliability_data(), methods_context(data)


def methods_table(data: StudyData, report: ReliabilityReport | None, problems: list[str]) -> Table:
    """The Methods sheet: the paragraph, then the scoring rule it relies on."""
    if report is None:
        paragraph = "No reliability can be reported yet: " + ("; ".join(problems) or "no ratings to analyse") + "."
    else:
        paragraph = methods_text(report, methods_context(data))
    rows = [("methods paragraph", paragraph), ("scoring rules", SCORING_RULES)]
    return static_table("methods", "Methods", COLUMNS, rows,
                        "A methods paragraph generated from the data: design, headline ICC with its 95% CI, "
                        "missing data and what was left out, alphas, software.")
