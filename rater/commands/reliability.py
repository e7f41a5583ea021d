"""``rater reliability``: inter-rater reliability of a study from CSV or a database."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from rater.commands.common import add_password_argument, require_coordinator

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``reliability`` sub-command; its handler is ``run`` (also set as
    the parser's ``func`` default)."""
    parser = subparsers.add_parser(
        "reliability",
        help="inter-rater reliability (ICC, Cronbach's and Krippendorff's alpha, rater bias); "
             "[coordinator] with --db",
        description="Inter-rater reliability of every scale and item of a study. With --db it is "
                    "coordinator-only (asks for the coordinator password) and works on a database on "
                    "read-only media; with --ratings it reads only the CSV file.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--ratings", metavar="FILE.csv", type=Path,
                        help="long-format CSV: session_id, rater_id, item, score "
                             "[, patient_id, session_number, scale, submitted_at]")
    source.add_argument("--db", metavar="DB", help="study database URL or path")
    add_password_argument(parser)
    parser.add_argument("--study", metavar="CODE",
                        help="with --db: study code (needed only when the database holds several)")
    parser.add_argument("--min-items", metavar="N", type=_positive_int,
                        help="prorate scale scores when at least N items are scored "
                             "(default: complete case)")
    parser.add_argument("--bias-threshold", metavar="POINTS", type=float,
                        help="flag raters whose mean deviation exceeds this many points of the item mean "
                             "(× the number of items for sum scales; default: 0.5)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Analyse and print; 0 on success, 1 for unusable input, 2 if the source is
    unavailable."""
    # numpy and scipy load only when the command runs, not when the app starts.
    from rater.stats import StatsInputError, analyse, read_ratings_csv, report_to_json
    from rater.stats.bias import DEFAULT_BIAS_THRESHOLD
    from rater.stats.text_report import format_report
    from rater.storage import DatabaseError

    if args.bias_threshold is None:
        args.bias_threshold = DEFAULT_BIAS_THRESHOLD
    try:
        if args.db:
            from rater.storage import open_database
            from rater.study.reliability_data import reliability_rows

            db = open_database(args.db, reading_only=True)
            try:
                require_coordinator(db, args.password_file)
                rows, scales = reliability_rows(db, study_code=args.study)
            finally:
                db.close()
        else:
            rows, scales = read_ratings_csv(args.ratings), None
        report = analyse(rows, scales, min_items=args.min_items, bias_threshold=args.bias_threshold)
    except DatabaseError as err:
        print(f"reliability: {err}", file=sys.stderr)
        return 2
    except StatsInputError as err:
        print("reliability: the ratings cannot be analysed:", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"reliability: cannot read {err.filename or args.ratings}: {err.strerror or err}",
              file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report_to_json(report), indent=2))
    else:
        print(format_report(report), end="")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
