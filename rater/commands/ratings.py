"""``rater ratings import``: legacy ratings (e.g. from paper forms) into a study."""

from __future__ import annotations

import argparse
import logging
import sys

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db, pick_study

log = logging.getLogger(__name__)

MAX_SHOWN = 200

FORMAT_HELP = """\
file format (CSV in UTF-8, or the first sheet of an .xlsx), one item score per row:
  rater_id            rater code (unknown codes are errors unless --rater-create)
  instrument          instrument key, e.g. hstbs
  item                item id, e.g. rev1
  score               whole number in the item's range, N/A where allowed, or blank
  session_id          the session's id, or instead:
  patient_id + session_number
optional: instrument_version, submitted_at (YYYY-MM-DD[ HH:MM]), note

Every bad row is listed with its line; if there is any, nothing is imported.
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``rater ratings import``."""
    parser = sub.add_parser("ratings", help=COORDINATOR + "import legacy ratings")
    inner = parser.add_subparsers(dest="ratings_command", metavar="ACTION")
    imp = inner.add_parser(
        "import",
        help="import legacy ratings from a long CSV or XLSX file",
        description="Import legacy ratings as submitted ratings of a study (all or nothing).",
        epilog=FORMAT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_argument(imp, coordinator=True)
    add_study_argument(imp)
    imp.add_argument("file", metavar="FILE.csv|FILE.xlsx")
    imp.add_argument("--rater-create", action="store_true", help="create raters whose codes are not in the study")
    imp.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import; 0 on success, 1 when the file has problems (nothing imported)."""
    from rater.export.legacy_import import LegacyImportError, import_legacy_ratings
    from rater.storage import DatabaseError

    db = open_db(args, coordinator=True)
    try:
        study_id = pick_study(db, args.study)
        summary = import_legacy_ratings(db, study_id, args.file, create_raters=args.rater_create)
    except LegacyImportError as err:
        print(f"{args.file}: {len(err.problems)} problem(s); nothing was imported", file=sys.stderr)
        for problem in err.problems[:MAX_SHOWN]:
            print(f"  {problem}", file=sys.stderr)
        if len(err.problems) > MAX_SHOWN:
            print(f"  … and {len(err.problems) - MAX_SHOWN} more", file=sys.stderr)
        return 1
    except DatabaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"imported {summary.ratings} rating(s), {summary.item_scores} item score(s) from {summary.file}")
    if summary.blank_scores:
        print(f"  {summary.blank_scores} blank score(s) left unanswered")
    if summary.raters_created:
        print(f"  new raters: {', '.join(summary.raters_created)}")
    return 0
