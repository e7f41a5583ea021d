"""Pooling ratings packages into one database (normally the coordinator's).

Each package is imported in one transaction: it is applied completely or, if
anything is wrong with it, not at all. Ratings are matched by their UUIDs and
assignments, never by names. For each rating in the package:

* not stored yet → added;
* its history contains the stored one's → it descends: fast-forward (the
  stored rating becomes the incoming one, the new audit events are added);
* its history is contained in the stored one's → older: kept as stored;
* otherwise (two different edits) → a *conflict*: the stored rating stays, the
  incoming version is kept in ``rating_conflict`` for a coordinator to resolve.

Playback bookkeeping (position, time spent, played stretches) is not in the
history and is merged in every non-conflict case (see :func:`snapshot.merged`),
so importing the same packages in any order leaves the same database.

The homework log entries a package carries are pooled in the same
transaction by the same history rule (:mod:`homework_import`); a homework
conflict keeps the stored entry and is reported in :attr:`ImportResult.homework`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.pooling import audit_check, container, homework_import, lineage
from rater.pooling.conflicts import differences
from rater.pooling.errors import PackageError
from rater.pooling.homework_import import HomeworkOutcome
from rater.pooling.records import AUDIT_FIELDS, insert_events
from rater.pooling.snapshot import apply, instrument_record, merged, snapshot, state
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.recordings.files import Cancelled

log = logging.getLogger(__name__)

# progress(done, total, what) after each rating; cancel() -> True rolls the current package back.
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

RATING_KEYS = ("id", "assignment_id", "rater_id", "instrument", "status", "revision", "started_at", "updated_at",
               "submitted_at", "last_position_ms", "time_spent_ms", "played_intervals", "played_ms",
               "recording_id", "scores", "marks", "events")


@dataclass(frozen=True)
class ConflictNote:
    """A conflict found (or brought up to date) by an import."""

    conflict_id: str
    assignment_id: str
    rater_code: str
    differences: tuple[str, ...]


@dataclass
class ImportResult:
    """The outcome for one package file: ``status`` is imported, unchanged or rejected."""

    path: Path
    status: str = "unchanged"
    message: str = ""
    package_id: str | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[ConflictNote] = field(default_factory=list)
    events_added: int = 0
    homework: HomeworkOutcome = field(default_factory=HomeworkOutcome)

    def summary(self) -> str:
        if self.status == "rejected":
            return f"rejected — {self.message}"
        hw = self.homework
        if self.status == "unchanged":
            entries = f", {hw.unchanged} homework entr{'y' if hw.unchanged == 1 else 'ies'}" if hw.unchanged else ""
            text = f"unchanged (already imported: {self.unchanged} rating(s){entries})"
        else:
            text = f"imported — {self.added} new, {self.updated} updated, {self.unchanged} unchanged"
            text += f", {len(self.conflicts)} conflict(s) to resolve" if self.conflicts else ""
            if hw.changed:
                text += (f"; homework log: {hw.added} new, {hw.updated} updated, {hw.deleted} deleted, "
                         f"{hw.unchanged} unchanged")
        if hw.conflicts:
            text += f"; {len(hw.conflicts)} homework conflict(s), the entries here were kept:"
            text += "".join(f"\n  {note.message}" for note in hw.conflicts)
        return text


def import_packages(db: Database, paths: Iterable[str | os.PathLike[str]], progress: Progress | None = None,
                    cancel: Cancel | None = None) -> list[ImportResult]:
    """Import each package on its own; a refused package is reported and the others go on."""
    results = []
    for path in paths:
        try:
            results.append(import_package(db, path, progress, cancel))
        except PackageError as err:
            log.warning("package %s rejected: %s", path, err)
            results.append(ImportResult(Path(path), "rejected", str(err)))
    return results


def import_package(db: Database, path: str | os.PathLike[str], progress: Progress | None = None,
                   cancel: Cancel | None = None) -> ImportResult:
    """Import one ratings package, all or nothing; raises :class:`PackageError` when it is refused."""
    pkg = container.read_package(path, "ratings")
    name = Path(path).name
    ratings, loose = _shape(pkg.payload, name)
    homework = homework_import.shape(pkg.payload, name)
    result = ImportResult(Path(path), package_id=pkg.id)
    try:
        with db.transaction() as s:
            _import(s, pkg, name, ratings, loose, homework, result, progress, cancel)
    except (KeyError, TypeError, ValueError) as exc:
        # Checksums matched, so this is a package no Session Rater should have written.
        raise PackageError(f"{name}: the package content is malformed ({exc!r}); nothing was imported.") from None
    log.info("package %s: %s", name, result.summary())
    return result


def _import(s: Session, pkg: container.Package, name: str, ratings: list[dict[str, Any]],
            loose: list[dict[str, Any]], homework: list[dict[str, Any]], result: ImportResult,
            progress: Progress | None, cancel: Cancel | None) -> None:
    study = _study(s, pkg, name)
    _check_histories(ratings, name)
    assignments = _check_references(s, study, ratings, name)
    homework_import.check_references(s, study, homework, name)
    for done, snap in enumerate(ratings, start=1):
        if cancel is not None and cancel():
            raise Cancelled
        _pool(s, assignments[snap["id"]], snap, pkg, name, result)
        if progress is not None:
            progress(done, len(ratings), f"{name}: {snap.get('rater_code', '')}")
    result.events_added += insert_events(s, loose)
    if cancel is not None and cancel():
        raise Cancelled
    homework_import.pool(s, study, homework, name, result.homework)
    changed = result.added or result.updated or result.conflicts or result.events_added or result.homework.changed
    result.status = "imported" if changed else "unchanged"
    if changed:
        counts: dict[str, Any] = {"added": result.added, "updated": result.updated,
                                  "conflicts": len(result.conflicts)}
        if result.homework.changed or result.homework.conflicts:
            counts["homework"] = result.homework.counts()
        audit.record(s, actor="coordinator", action="import", entity="package", entity_id=pkg.id,
                     field=name[:100], new=counts, study_id=study.id)


def _shape(payload: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ratings and loose events, after checking the structure every later step relies on."""
    ratings, loose = payload.get("ratings"), payload.get("loose_events")
    problem = None
    if not isinstance(ratings, list) or not isinstance(loose, list):
        problem = "no list of ratings"
    else:
        for snap in ratings:
            if not isinstance(snap, dict) or any(k not in snap for k in RATING_KEYS):
                problem = "a rating with missing fields"
                break
            events = snap["events"] + loose
            if any(not isinstance(e, dict) or any(k not in e for k in AUDIT_FIELDS) for e in events):
                problem = "an audit event with missing fields"
                break
    if problem:
        raise PackageError(f"{name}: the package content is malformed ({problem}); nothing was imported.")
    ids = [r["id"] for r in ratings]
    assignment_ids = [r["assignment_id"] for r in ratings]
    if len(set(ids)) != len(ids) or len(set(assignment_ids)) != len(assignment_ids):
        raise PackageError(f"{name}: the package lists a rating twice; nothing was imported.")
    return ratings, loose


def _check_histories(ratings: list[dict[str, Any]], name: str) -> None:
    """Refuse the package if any rating's stored values disagree with its own audit trail."""
    for snap in ratings:
        problems = audit_check.disagreements(snap)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise PackageError(
                f"{name}: the rating by {snap.get('rater_code') or snap['rater_id']} disagrees with its own audit "
                f"trail: {problems[0]}{more}. The package was edited outside Session Rater after it was "
                "written; nothing was imported. Export a new package on the desktop."
            )


def _study(s: Session, pkg: container.Package, name: str) -> m.Study:
    study = s.get(m.Study, pkg.study_id)
    if study is not None:
        return study
    code = pkg.manifest["study_code"]
    if s.scalar(select(m.Study.id).where(m.Study.code == code)) is not None:
        raise PackageError(
            f"{name} belongs to a different study that is also called {code} (it was set up separately, "
            "not from this database's study package). Nothing was imported."
        )
    raise PackageError(f"{name} belongs to study {code}, which is not in this database. Nothing was imported.")


def _check_references(s: Session, study: m.Study, ratings: list[dict[str, Any]],
                      name: str) -> dict[str, m.Assignment]:
    """Every rating's assignment, rater and instrument checked before anything is written."""
    found: dict[str, m.Assignment] = {}
    for snap in ratings:
        who = snap.get("rater_code") or snap["rater_id"]
        a = s.get(m.Assignment, snap["assignment_id"])
        if a is None or a.study_id != study.id:
            raise PackageError(
                f"{name}: a rating by {who} is for an assignment this database does not have in study "
                f"{study.code}; the desktop's set-up does not come from this study. Nothing was imported."
            )
        if a.rater_id != snap["rater_id"]:
            raise PackageError(f"{name}: a rating by {who} is for an assignment of another rater; nothing was imported.")
        ours, theirs = instrument_record(a.instrument), snap["instrument"]
        if ours != theirs:
            raise PackageError(
                f"{name}: {who} rated with {theirs.get('key')} version {theirs.get('version')} "
                f"(hash {str(theirs.get('content_hash'))[:12]}), but this study uses {ours['key']} version "
                f"{ours['version']} (hash {ours['content_hash'][:12]}) for that assignment. Nothing was "
                "imported; the desktop needs the study's current instruments (import the study package there)."
            )
        existing = s.get(m.Rating, snap["id"])
        if existing is not None and existing.assignment_id != a.id:
            raise PackageError(f"{name}: rating {snap['id']} belongs to another assignment here; nothing was imported.")
        found[snap["id"]] = a
    return found


def _pool(s: Session, a: m.Assignment, snap: dict[str, Any], pkg: container.Package, name: str,
          result: ImportResult) -> None:
    stored = s.get(m.Rating, snap["id"]) or s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
    if stored is None:
        apply(s, a, None, snap)
        result.added += 1
        return
    current = snapshot(s, stored)
    relation = lineage.DIVERGED
    if stored.id == snap["id"]:
        relation = lineage.relation((e["id"] for e in current["events"]), (e["id"] for e in snap["events"]))
    if relation == lineage.DIVERGED:
        _conflict(s, a, stored, current, snap, pkg, name, result)
        return
    if relation == lineage.AHEAD:
        target = merged(snap, current)
    else:
        target = merged(current, snap)
        if state(target) == state(current):
            result.unchanged += 1
            return
    apply(s, a, stored, target)
    result.updated += 1


def _conflict(s: Session, a: m.Assignment, stored: m.Rating, current: dict[str, Any], snap: dict[str, Any],
              pkg: container.Package, name: str, result: ImportResult) -> None:
    incoming = {e["id"] for e in snap["events"]}
    rows = list(s.scalars(select(m.RatingConflict).where(m.RatingConflict.assignment_id == a.id)
                          .order_by(m.RatingConflict.detected_at, m.RatingConflict.id)))
    for row in rows:
        for version in (row.incoming, row.replaced):
            if version and version["id"] == snap["id"] and incoming <= {e["id"] for e in version["events"]}:
                result.unchanged += 1  # this version (or a later one of it) is already held
                return
    open_row = next((r for r in rows if r.resolution is None and r.incoming["id"] == snap["id"]
                     and {e["id"] for e in r.incoming["events"]} < incoming), None)
    if open_row is not None:
        # A later edit of a version already waiting: it replaces that version, one conflict stays.
        open_row.incoming = snap
        open_row.package_id, open_row.package_file = pkg.id, name
        open_row.stored_rating_id, open_row.detected_at = stored.id, m.utcnow()
        row = open_row
    else:
        row = m.RatingConflict(study_id=a.study_id, assignment_id=a.id, stored_rating_id=stored.id,
                               incoming_rating_id=snap["id"], incoming=snap, package_id=pkg.id, package_file=name,
                               resolution=None, resolved_by="", reason="")
        s.add(row)
        s.flush()
    note = ConflictNote(row.id, a.id, snap.get("rater_code", ""), tuple(differences(current, snap)))
    result.conflicts.append(note)
    log.warning("conflict %s on assignment %s (%s): %s", row.id, a.id, note.rater_code, "; ".join(note.differences))
