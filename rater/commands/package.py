"""``rater package …``: pool ratings from desktops that share nothing, through package files."""

from __future__ import annotations

import argparse
import sys

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db, pick_study

EPILOG = """\
workflow:
  coordinator:  rater package export-study --db lab.sqlite --out HWCT.srpkg
  each desktop: rater package import-study --db desk.sqlite HWCT.srpkg --media-root /mnt/recordings
                ... raters rate ...
                rater package export --db desk.sqlite --out desk1-ratings.srpkg
  coordinator:  rater package import --db lab.sqlite desk*-ratings.srpkg
                rater package conflicts --db lab.sqlite
                rater package resolve --db lab.sqlite 3f2a91c0 --keep incoming --reason "rater redid it"
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("package", help=COORDINATOR + "pool ratings between desktops with package files",
                            description="Study packages carry the set-up to the desktops; ratings packages "
                            "carry ratings back to the coordinator.", epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    inner = parser.add_subparsers(dest="package_command", metavar="ACTION")

    p = inner.add_parser("export-study", help=COORDINATOR + "write the study set-up to a study package")
    add_db_argument(p, coordinator=True)
    add_study_argument(p)
    p.add_argument("--out", required=True, metavar="FILE", help="package file to write (e.g. HWCT.srpkg)")
    p.set_defaults(handler=run_export_study)

    p = inner.add_parser("import-study", help=COORDINATOR + "create or update the study from a study package "
                         "(setting up a desktop)",
                         description="Creates the study with the coordinator's ids, maps the media root to this "
                         "desktop's folder and checks every recording's checksum; problems are listed.")
    add_db_argument(p, coordinator=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--media-root", metavar="DIR", help="where this desktop keeps the recordings "
                   "(default: the coordinator's media root)")
    p.add_argument("--no-verify", action="store_true", help="check only that recordings exist with the right "
                   "size, without hashing them")
    p.set_defaults(handler=run_import_study)

    p = inner.add_parser("export", help=COORDINATOR + "write a desktop's ratings to a ratings package "
                         "(raters export their own in the app)")
    add_db_argument(p, coordinator=True)
    add_study_argument(p)
    p.add_argument("--rater", metavar="CODE", help="only this rater's ratings (default: every rater's)")
    p.add_argument("--out", required=True, metavar="FILE", help="package file to write")
    p.set_defaults(handler=run_export)

    p = inner.add_parser("import", help=COORDINATOR + "pool ratings packages into this database",
                         description="Each package is imported completely or not at all; importing one twice "
                         "changes nothing; diverging edits of a rating are kept as conflicts.")
    add_db_argument(p, coordinator=True)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(handler=run_import)

    p = inner.add_parser("conflicts", help=COORDINATOR + "list rating conflicts waiting for a decision")
    add_db_argument(p, coordinator=True)
    add_study_argument(p)
    p.add_argument("--all", action="store_true", help="include resolved conflicts")
    p.set_defaults(handler=run_conflicts)

    p = inner.add_parser("resolve", help=COORDINATOR + "resolve a conflict by keeping one version (audited)")
    add_db_argument(p, coordinator=True)
    p.add_argument("conflict", metavar="CONFLICT_ID", help="the conflict id (or its first characters)")
    p.add_argument("--keep", required=True, choices=("stored", "incoming"),
                   help="stored: the rating in this database; incoming: the version from the package")
    p.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    p.set_defaults(handler=run_resolve)


def _fail(err: Exception) -> int:
    print(f"error: {err}", file=sys.stderr)
    return 1


def run_export_study(args: argparse.Namespace) -> int:
    from rater.pooling import PackageError, export_study
    from rater.storage import DatabaseError

    db = open_db(args, coordinator=True)
    try:
        done = export_study(db, args.out, pick_study(db, args.study))
    except (PackageError, DatabaseError, OSError) as err:
        return _fail(err)
    counts = ", ".join(f"{n} {k}" for k, n in done.counts.items())
    print(f"wrote {done.path}: study {done.study_code} ({counts})")
    if done.absolute_paths:
        print(f"warning: {len(done.absolute_paths)} recording(s) are outside the media root and keep their "
              "absolute paths; desktops must have them at the same place:")
        for path in done.absolute_paths:
            print(f"  {path}")
    return 0


def run_import_study(args: argparse.Namespace) -> int:
    from rater.pooling import PackageError, import_study
    from rater.storage import DatabaseError

    db = open_db(args, coordinator=True)
    try:
        done = import_study(db, args.file, media_root=args.media_root, verify=not args.no_verify)
    except (PackageError, DatabaseError) as err:
        return _fail(err)
    what = "created" if done.created else "updated" if done.changed else "unchanged (already up to date)"
    print(f"study {done.study_code}: {what}")
    for label, counts in (("added", done.added), ("updated", done.updated)):
        if counts:
            print(f"  {label}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for note in done.kept_local:
        print(f"  note: {note}")
    print(f"  media root: {done.media_root or 'not set'}")
    if done.problems:
        print(f"{len(done.problems)} recording problem(s){'' if done.hashed else ' (checked without hashing)'}:")
        for problem in done.problems:
            print(f"  {problem}")
        return 1
    print("  recordings: all present" + (" with matching checksums" if done.hashed else " (not hashed)"))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from rater.pooling import PackageError, export_ratings
    from rater.storage import DatabaseError

    db = open_db(args, coordinator=True)
    try:
        done = export_ratings(db, args.out, pick_study(db, args.study), args.rater)
    except (PackageError, DatabaseError, OSError) as err:
        return _fail(err)
    print(f"wrote {done.path}: {done.ratings} rating(s) of study {done.study_code} "
          f"({', '.join(done.rater_codes) or 'no rater has ratings yet'})")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from rater.pooling import import_packages
    from rater.storage import DatabaseError

    db = open_db(args, coordinator=True)
    try:
        results = import_packages(db, args.files)
    except DatabaseError as err:
        return _fail(err)
    for result in results:
        print(f"{result.path.name}: {result.summary()}")
        for note in result.conflicts:
            print(f"  conflict {note.conflict_id[:8]} ({note.rater_code}): {'; '.join(note.differences)}")
    if any(r.conflicts for r in results):
        print("resolve conflicts with: rater package conflicts / rater package resolve")
    return 1 if any(r.status == "rejected" for r in results) else 0


def run_conflicts(args: argparse.Namespace) -> int:
    from rater.pooling import list_conflicts

    db = open_db(args, coordinator=True)
    study_id = pick_study(db, args.study)
    views = list_conflicts(db, study_id, include_resolved=args.all)
    if not views:
        print("no conflicts" if args.all else "no unresolved conflicts")
        return 0
    for v in views:
        state = (f"resolved {v.resolved_at:%Y-%m-%d %H:%M}, kept {v.resolution}: {v.reason}" if v.resolution
                 else "unresolved")
        print(f"{v.id}  {v.rater_code}  {v.patient_code} S{v.session_number}  {v.instrument}  "
              f"revision here {v.stored_revision}, in package {v.incoming_revision}  "
              f"({v.package_file}, {v.detected_at:%Y-%m-%d %H:%M})  {state}")
        for diff in v.differences:
            print(f"    {diff}")
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    from rater.pooling import find_conflict, resolve_conflict
    from rater.storage import DatabaseError
    from rater.study.errors import StudyError

    db = open_db(args, coordinator=True)
    try:
        view = resolve_conflict(db, find_conflict(db, args.conflict), args.keep, args.reason)
    except (StudyError, DatabaseError) as err:
        return _fail(err)
    print(f"conflict {view.id} resolved: kept the {view.resolution} version of {view.rater_code}'s rating of "
          f"{view.patient_code} S{view.session_number} ({view.instrument})")
    return 0
