"""The codebook: everything a reader needs to interpret the exported numbers.

Sections: about the export (study, time, software, rules), instruments, items
with anchors, scales with scoring, recodes and applicability, the study design
(teams, instruments per team and session range, raters per session) and a
dictionary of every exported variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rater import __version__
from rater.export.dataset import ExportCounts, StudyData
from rater.export.rating_tables import scale_ids
from rater.export.table import Column, Table, static_table
from rater.instruments.model import Scale
from rater.instruments.scoring import SCORING_RULES
from rater.stats import ICC_CI_METHOD
from rater.stats.headline import HEADLINE_RULE
from rater.study.setup.session_range import SessionRange

RELIABILITY_RULES = (
    "Reliability uses the same item scores, with N/A and unanswered items both missing. By default a "
    "rating has a scale score only when all of the scale's items are scored (complete case), after the "
    "scale's recode; only sessions with k scored ratings enter the ICC. Each row of the Reliability "
    "sheets states the rule and the sessions it kept."
)


def _about(data: StudyData, counts: ExportCounts, exported_at: datetime) -> Table:
    study = data.study
    included = "submitted and in-progress ratings" if data.include_in_progress else "submitted ratings only"
    rows: list[tuple[str, Any]] = [
        ("study code", study.code), ("study name", study.name), ("description", study.description or None),
        ("exported at (UTC)", exported_at), ("software", f"Session Rater {__version__}"),
        ("ratings included", included + "; practice ratings are never exported"),
        ("patients", len({s.patient for s in data.sessions})), ("sessions", len(data.sessions)),
        ("sessions rated", counts.sessions), ("raters", len(data.raters)), ("ratings", counts.ratings),
        ("item scores", counts.item_scores),
        ("scale scores (wide sheet, session means)", SCORING_RULES),
        ("session means", "Per session and scale: the mean of the raters' scale scores; _n is how many raters "
                          "had a score. Sessions without any included rating are not listed."),
        ("blank cells", "A blank numeric cell means no value: unanswered, N/A (see the long sheet's na column), "
                        "not applicable to the session, or a statistic that is undefined (reason in notes)."),
        ("reliability scoring", RELIABILITY_RULES), ("ICC headline", HEADLINE_RULE),
        ("ICC confidence intervals", ICC_CI_METHOD),
        ("times", "All times are UTC, as stored by Session Rater."),
    ]
    columns = (Column("field", description="What the value describes"),
               Column("value", "mixed", "The value"))
    return static_table("codebook_about", "About this export", columns, rows)


def _instruments(data: StudyData) -> Table:
    rows = [(v.key, v.version, v.name, v.model.description or None, v.model.instructions or None,
             len(v.model.items), ", ".join(sc.name for sc in v.model.scales)) for v in data.catalog.versions]
    columns = (Column("instrument", description="Instrument key"), Column("version"), Column("name"),
               Column("description"), Column("instructions", description="Instructions shown to raters"),
               Column("n_items", "int"), Column("scales"))
    return static_table("codebook_instruments", "Instruments", columns, rows)


def _items(data: StudyData) -> Table:
    labels = data.catalog.item_labels
    rows = []
    for v in data.catalog.versions:
        for item in v.model.items:
            anchors = "; ".join(f"{k} = {text}" for k, text in sorted(item.anchors.items()))
            owners = ", ".join(sc.name for sc in v.model.scales if item.id in sc.items)
            rows.append((v.key, v.version, item.id, labels[(v.key, item.id)], item.text, item.help or None,
                         item.min, item.max, anchors or None, item.na_allowed, item.required, owners or None))
    columns = (Column("instrument"), Column("version"), Column("item", description="Item id"),
               Column("wide_column", description="Column of the item in Ratings wide"),
               Column("text", description="Item wording"), Column("help", description="Rater guidance"),
               Column("min", "int"), Column("max", "int"), Column("anchors", description="Labelled values"),
               Column("na_allowed", "bool"), Column("required", "bool"), Column("scales"))
    return static_table("codebook_items", "Items", columns, rows)


def _recode_text(scale: Scale) -> str | None:
    if not scale.recode:
        return None
    parts = [f"{r.low}->{r.value:g}" if r.low == r.high else f"{r.low}-{r.high}->{r.value:g}" for r in scale.recode]
    return "; ".join(parts) + "; other values unchanged"


def _applies_text(scale: Scale) -> str:
    lo, hi = scale.applies.session_min, scale.applies.session_max
    if lo is None and hi is None:
        return "all sessions"
    if hi is None:
        return f"sessions {lo} and later"
    if lo is None:
        return f"sessions up to {hi}"
    return f"sessions {lo}-{hi}"


def _scales(data: StudyData) -> Table:
    stems = {(key, sid): stem for key, sid, stem in scale_ids(data)}
    rows = []
    for v in data.catalog.versions:
        for sc in v.model.scales:
            stem = stems[(v.key, sc.id)]
            rows.append((v.key, v.version, sc.id, sc.name, data.catalog.scale_labels[(v.key, sc.id)],
                         ", ".join(sc.items), sc.method, sc.rule.describe(len(sc.items)), _recode_text(sc),
                         _applies_text(sc),
                         sc.applies.reason or None, sc.description or None, f"{stem}_score", f"{stem}_mean"))
    columns = (Column("instrument"), Column("version"), Column("scale", description="Scale id"), Column("name"),
               Column("reliability_label", description="Name of the scale in the Reliability sheets"),
               Column("items"), Column("method", description="mean or sum of the (recoded) items"),
               Column("missing_data_rule", description="Scored items a rating needs for a scale score "
                                                       "(items marked N/A left out)"),
               Column("recode", description="Item values mapped before scoring"),
               Column("applies", description="Session numbers the scale is rated in"),
               Column("not_applicable_reason"), Column("description"),
               Column("wide_column"), Column("means_column"))
    return static_table("codebook_scales", "Scales and scoring", columns, rows)


def _design(data: StudyData) -> Table:
    rows = []
    for team in data.teams:
        for rate in team.rates or (None,):
            sessions = None
            if rate is not None:
                sessions = SessionRange(rate.session_min, rate.session_max).cell
            rows.append((team.name, team.description or None, team.raters_per_session, team.keeps_homework_log,
                         rate.instrument_key if rate else None, rate.instrument_version if rate else None,
                         sessions, len(team.members), ", ".join(team.members) or None))
    columns = (Column("team"), Column("description"),
               Column("raters_per_session", "int", "Raters of this team who rate each session"),
               Column("keeps_homework_log", "bool"), Column("instrument"), Column("version"),
               Column("sessions", description="Session numbers the team rates with this instrument"),
               Column("n_members", "int"), Column("members", description="Rater codes"))
    return static_table("codebook_design", "Study design", columns, rows)


def _sheets(tables: Sequence[Table]) -> Table:
    rows = [(t.title, f"{t.key}.csv", t.description or None) for t in tables]
    columns = (Column("sheet"), Column("csv_file", description="The same table in the CSV export"),
               Column("contents"))
    return static_table("codebook_sheets", "Sheets", columns, rows)


def _variables(tables: Sequence[Table]) -> Table:
    rows = [(t.title, c.name, c.kind, c.description or None) for t in tables for c in t.columns]
    columns = (Column("sheet", description="Sheet (CSV: file) the variable is in"), Column("variable"),
               Column("type"), Column("description"))
    return static_table("codebook_variables", "Variables", columns, rows)


def codebook_tables(data: StudyData, counts: ExportCounts, exported_at: datetime,
                    exported: Sequence[Table]) -> list[Table]:
    """The codebook's sections; ``exported`` are the data tables described in the variable list."""
    return [_about(data, counts, exported_at), _sheets(exported), _instruments(data), _items(data), _scales(data),
            _design(data), _variables(exported)]

