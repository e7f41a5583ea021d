"""The sections of the recordings report: what the scan found and what the import did with it."""

from __future__ import annotations

from pathlib import Path

from rater.study.recordings import FileIssue, ImportReport, ScanReport, display_path, human_size
from rater.ui.coordinator.report_dialog import Section


def _issues(issues: list[FileIssue], base: Path | None) -> list[str]:
    return [f"{display_path(i.path, base)} — {i.reason}" for i in issues]


def scan_sections(scan: ScanReport) -> list[Section]:
    """Files of the folder that will not be imported, by reason."""
    base = scan.folder
    return [
        ("Unmatched (name does not fit the pattern)", _issues(scan.unmatched, base)),
        ("Duplicates (not imported)", _groups(scan)),
        ("Unreadable", _issues(scan.unreadable, base)),
        ("Empty (0 bytes)", _issues(scan.empty, base)),
    ]


def _groups(scan: ScanReport) -> list[str]:
    return [f"{g.patient} S{g.session} {g.kind}: several files — " + ", ".join(e.source for e in g.entries)
            for g in scan.duplicates]


def import_sections(report: ImportReport, base: Path | None, scan: ScanReport | None = None) -> list[Section]:
    """Every file of an import (and of its folder scan) under one heading per outcome."""
    imported = []
    for r in report.imported:
        length = f"{r.duration_ms / 1000:.0f} s" if r.duration_ms is not None else "length unknown"
        imported.append(f"{r.patient} S{r.session} {r.kind} — {r.path} ({human_size(r.size)}, {length})")
    sections = [
        ("Imported", imported),
        ("Skipped (already imported)", _issues(report.skipped, base)),
        ("Unmatched (name does not fit the pattern)", _issues(scan.unmatched, base) if scan else []),
        ("Duplicates (not imported)", (_groups(scan) if scan else []) + _issues(report.duplicates, base)),
        ("Conflicts (the session already has one, or the file changed)", _issues(report.conflicts, base)),
        ("Unreadable", (_issues(scan.unreadable, base) if scan else []) + _issues(report.unreadable, base)),
        ("Empty (0 bytes)", _issues(scan.empty, base) if scan else []),
        ("Will not play (corrupt or incomplete; not imported)", _issues(report.undecodable, base)),
        ("Not in the study", _issues(report.not_in_study, base)),
        ("Length unknown (imported)", _issues(report.duration_unknown, base)),
    ]
    # A manifest import has no folder scan: its scan-only headings would always be empty.
    return [s for s in sections if scan is not None or s[0] not in {"Unmatched (name does not fit the pattern)",
                                                                     "Empty (0 bytes)"}]


def summary(report: ImportReport, scan: ScanReport | None) -> str:
    """One paragraph: what was imported and what the folder held that was not."""
    if report.cancelled:
        return "Import cancelled: nothing was changed."
    text = (f"{len(report.imported)} recording(s) imported, {len(report.skipped)} already there, "
            f"{len(report.duplicates) + len(report.conflicts)} duplicate(s) or conflict(s), "
            f"{len(report.unreadable)} unreadable, {len(report.undecodable)} that will not play.")
    if scan is not None:
        text += (f" In the folder: {len(scan.unmatched)} unmatched, {len(scan.duplicates)} duplicate group(s), "
                 f"{len(scan.unreadable)} unreadable, {len(scan.empty)} empty.")
    if report.created_patients or report.created_sessions:
        text += f" Created {len(report.created_patients)} patient(s) and {len(report.created_sessions)} session(s)."
    return text
