"""``rater study import-recordings``: scan a folder (or read a manifest) and import it.

``rater.commands.study`` owns the ``study`` command; it calls
:func:`add_import_recordings_parser` with its sub-parsers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rater.commands.common import add_db_argument, open_db
from rater.study.setup.settings import StudySettings

if TYPE_CHECKING:
    from rater.storage.database import Database
    from rater.study.recordings import FileIssue, ImportReport, ScanReport

EPILOG = """\
file names:
  --pattern is a template such as "{patient}_S{session}" ({patient}: letters and
  digits, {session}: a number, *: anything; _ - . and space match each other) or a
  regular expression with (?P<patient>...) and (?P<session>...). The default reads
  P012_S03.mp4, P012_S3_audio.m4a and p012-s03.MOV as patient P012, session 3.

rules:
  Two files for one session and kind are both listed and neither is imported:
  rename or move one, or list the right one in a manifest. Files already imported
  (same path and checksum) are skipped. Files are never copied.

media root:
  Paths are stored relative to the study's media root. --media-root sets it; when
  the study has none yet, the scanned folder (or the manifest's folder) becomes it.

exit status: 0 when something was imported or everything was already there,
1 when nothing could be imported, the manifest is bad, or the import was cancelled.
"""


def add_import_recordings_parser(study_subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``import-recordings`` to the ``study`` command's sub-parsers."""
    parser = study_subparsers.add_parser(
        "import-recordings",
        help="import session recordings from a folder or a CSV manifest",
        description="Scan FOLDER (recursively) or read a CSV manifest (columns patient, session, path; "
                    "optional kind, date, priority) and add the recordings to a study.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_argument(parser, coordinator=True)
    parser.add_argument("--study", metavar="CODE", help="study code (optional when the database has one study)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("folder", nargs="?", metavar="FOLDER", help="folder to scan")
    source.add_argument("--manifest", metavar="CSV", help="CSV manifest instead of scanning a folder")
    parser.add_argument("--pattern", help="file-name pattern: template or regular expression (see below)")
    parser.add_argument("--media-root", metavar="DIR", help="set the study's media root to DIR first")
    parser.add_argument("--existing-only", action="store_true",
                        help="only add recordings to sessions already in the study")
    parser.add_argument("--no-probe", action="store_true", help="do not check that files play or read their lengths (faster)")
    parser.add_argument("--dry-run", action="store_true", help="scan and report only; change nothing")
    parser.set_defaults(handler=run)
    return parser


class ProgressLine:
    """A one-line checksum progress display on stderr, redrawn at most 10 times a second.

    Called as ``progress(done_bytes, total_bytes, current_file)``; the final call
    has an empty ``current_file`` and ends the line.
    """

    def __init__(self, stream: TextIO | None = None):
        self.stream, self.last = stream or sys.stderr, 0.0

    def __call__(self, done: int, total: int, current: str) -> None:
        now = time.monotonic()
        final = not current  # the import's last call names no file
        if not final and now - self.last < 0.1:
            return
        self.last = now
        percent = 100 * done / total if total else 100
        self.stream.write(f"\rchecksums: {percent:5.1f}% ({done / 1e6:.1f} / {total / 1e6:.1f} MB) {current[-50:]:<50}")
        self.stream.write("\n" if final else "")
        self.stream.flush()


def _print_issues(title: str, issues: list[FileIssue], base: Path | None) -> None:
    from rater.study.recordings import display_path

    if not issues:
        return
    print(f"{title} ({len(issues)}):")
    for issue in issues:
        print(f"  {display_path(issue.path, base)}: {issue.reason}")


def _print_scan(report: ScanReport) -> None:
    from rater.study.recordings import DEFAULT_PATTERN, human_size

    base = report.folder
    pattern = "the default pattern" if report.pattern == DEFAULT_PATTERN else f"pattern {report.pattern!r}"
    print(f"Scanned {base} with {pattern}: {len(report.matched)} matched, "
          f"{len(report.unmatched)} unmatched, {len(report.duplicates)} duplicate group(s), "
          f"{len(report.unreadable)} unreadable, {len(report.empty)} empty, "
          f"{len(report.ignored)} not media (ignored), {len(report.hidden)} hidden (ignored)")
    for e in sorted(report.matched, key=lambda e: (e.patient, e.session, e.kind)):
        print(f"  {e.patient} S{e.session} {e.kind:<5} {e.source} ({human_size(e.size)})")
    _print_issues("unmatched, not imported", report.unmatched, base)
    if report.duplicates:
        print(f"duplicates, not imported ({len(report.duplicates)} group(s)):")
        for group in report.duplicates:
            names = ", ".join(e.source for e in group.entries)
            print(f"  {group.patient} S{group.session} {group.kind}: {names}")
    _print_issues("unreadable, not imported", report.unreadable, base)
    _print_issues("empty, not imported", report.empty, base)


def _print_import(report: ImportReport, base: Path | None) -> None:
    print(f"imported {len(report.imported)}, skipped {len(report.skipped)} (already imported), "
          f"{len(report.duplicates)} duplicate(s), {len(report.conflicts)} conflict(s), "
          f"{len(report.unreadable)} unreadable, {len(report.undecodable)} that will not play, "
          f"{len(report.not_in_study)} not in the study")
    for r in report.imported:
        duration = f"{r.duration_ms / 1000:.0f} s" if r.duration_ms is not None else "duration unknown"
        print(f"  {r.patient} S{r.session} {r.kind:<5} priority {r.priority} {r.path} ({duration})")
    if report.created_patients or report.created_sessions:
        print(f"created {len(report.created_patients)} patient(s), {len(report.created_sessions)} session(s)")
    _print_issues("skipped", report.skipped, base)
    for title, issues in (("duplicates, not imported", report.duplicates), ("conflicts, not imported", report.conflicts),
                          ("unreadable, not imported", report.unreadable),
                          ("will not play (corrupt or incomplete), not imported", report.undecodable),
                          ("not in the study, not imported", report.not_in_study),
                          ("duration unknown", report.duration_unknown)):
        _print_issues(title, issues, base)


def _pick_study(db: Database, code: str | None) -> tuple[str, str | None]:
    """(study id, its media root) for ``code``, or the only study."""
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.errors import NotFound

    with db.reading() as s:
        studies = list(s.scalars(select(m.Study).order_by(m.Study.code)))
    if code is not None:
        studies = [st for st in studies if st.code.lower() == code.lower()]
        if not studies:
            raise NotFound(f"There is no study with the code {code}.")
    elif len(studies) != 1:
        found = ", ".join(st.code for st in studies) or "none"
        raise NotFound(f"Choose the study with --study CODE (studies in this database: {found}).")
    return studies[0].id, StudySettings.read(studies[0].settings).media_root


def run(args: argparse.Namespace) -> int:
    """Scan or read the manifest, print the report, import unless --dry-run; 0 or 1 (see EPILOG)."""
    from rater.storage import DatabaseError
    from rater.study import recordings as rec
    from rater.study.errors import StudyError

    db = open_db(args, coordinator=True)
    try:
        study_id, study_root = _pick_study(db, args.study)
        source = Path(args.manifest).parent if args.manifest else Path(args.folder)
        root = args.media_root or study_root or str(source.expanduser().resolve())
        if args.manifest:
            entries = rec.read_manifest(args.manifest, media_root=root)
            base = Path(args.manifest).expanduser().resolve().parent
            print(f"Manifest {args.manifest}: {len(entries)} recording(s) listed, all rows valid")
        else:
            scan = rec.scan_folder(args.folder, args.pattern)
            entries, base = scan.matched, scan.folder
            _print_scan(scan)
        if args.dry_run:
            print("dry run: nothing was imported")
            return 0 if entries else 1
        if not entries:
            print("nothing to import")
            return 1
        try:
            report = rec.import_recordings(db, study_id, entries, root, progress=ProgressLine(),
                                           create_missing=not args.existing_only,
                                           prober=None if args.no_probe else rec.media_prober())
        except KeyboardInterrupt:
            # Checksums come before any write, and writes are one transaction.
            print("\ncancelled: nothing was imported", file=sys.stderr)
            return 1
        # Set after the import, so a cancelled import changes nothing at all.
        if args.media_root or not study_root:
            rec.set_media_root(db, study_id, root)
            print(f"media root of the study: {root}")
        _print_import(report, base)
        return 0 if report.imported or report.skipped else 1
    except (StudyError, DatabaseError) as exc:  # ManifestError is a StudyError
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
