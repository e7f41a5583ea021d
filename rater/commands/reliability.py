"""``rater reliability``: inter-rater reliability of a study from CSV or a database."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
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
    parser.add_argument("--instrument", metavar="FILE", type=Path,
                        help="with --ratings: instrument file whose item ranges are checked and "
                             "whose scales (and their missing-item rules) are scored")
    parser.add_argument("--study", metavar="CODE",
                        help="with --db: study code (needed only when the database holds several)")
    parser.add_argument("--min-items", metavar="N", type=_positive_int,
                        help="prorate scale scores when at least N items are scored "
                             "(default: complete case)")
    parser.add_argument("--bias-threshold", metavar="POINTS", type=float,
                        help="flag raters whose mean deviation exceeds this many points of the item mean "
                             "(× the number of items for sum scales; default: 0.5)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--methods", action="store_true",
                        help="print only a methods paragraph (design, headline ICC with notation, "
                             "CI and band, missing-data rule, alpha, software)")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Analyse and print; 0 on success, 1 for unusable input, 2 if the source is
    unavailable."""
    # numpy and scipy load only when the command runs, not when the app starts.
    from rater.instruments.loader import InstrumentError
    from rater.stats import StatsInputError, analyse, report_to_json
    from rater.stats.bias import DEFAULT_BIAS_THRESHOLD
    from rater.stats.text_report import format_report

    if args.bias_threshold is None:
        args.bias_threshold = DEFAULT_BIAS_THRESHOLD
    if args.instrument and not args.ratings:
        print("reliability: --instrument goes with --ratings (a study database names its own "
              "instruments)", file=sys.stderr)
        return 1
    source_notes: list[str] = []
    context = None
    # SQLAlchemy loads only for --db: with --ratings its import would outlast reading the file.
    database_errors: tuple[type[Exception], ...] = ()
    try:
        if args.db:
            from rater.storage import DatabaseError, open_database
            from rater.study.reports.reliability_data import reliability_rows

            database_errors = (DatabaseError,)
            db = open_database(args.db, reading_only=True)
            try:
                require_coordinator(db, args.password_file)
                data = reliability_rows(db, study_code=args.study)
                rows, scales = data.rows, data.scales
                if args.methods:
                    context = _study_context(db, data.study_id)
            finally:
                db.close()
        else:
            rows, scales, source_notes = _read_csv(args.ratings, args.instrument)
        report = analyse(rows, scales, min_items=args.min_items, bias_threshold=args.bias_threshold)
    except InstrumentError as err:
        print(f"reliability: the instrument cannot be used: {err}", file=sys.stderr)
        return 1
    except database_errors as err:
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
    if args.methods:
        from rater.stats.methods import methods_text

        print(textwrap.fill(methods_text(report, context), 100))
        return 0
    if args.json:
        data = report_to_json(report)
        if source_notes:
            data["input"] = {"file": str(args.ratings), "notes": source_notes}
        print(json.dumps(data, indent=2))
    else:
        if source_notes:
            print("Input: " + str(args.ratings))
            print("\n".join(f"  {note}" for note in source_notes) + "\n")
        print(format_report(report), end="")
    return 0


def _study_context(db, study_id: str):
    """The methods context (patients, how sessions were assigned, training) of a study."""
    from rater.export.methods_table import study_methods_input

    return study_methods_input(db, study_id)[1]


def _read_csv(path: Path, instrument_path: Path | None) -> tuple[object, list | None, list[str]]:
    """Rows, scales (None: from the file's scale column) and the notes stating how the file was read."""
    import numpy as np

    from rater.instruments.loader import load_file
    from rater.stats.csv_input import MISSING_RULE, read_ratings_csv
    from rater.stats.scoring import specs_from_instrument

    scales, ranges = None, None
    if instrument_path is not None:
        instrument, _ = load_file(instrument_path)
        ranges = {item.id: (item.min, item.max) for item in instrument.items}
        scales = specs_from_instrument(instrument)
    table = read_ratings_csv(path, ranges)
    missing = int(np.isnan(table.score).sum())
    notes = [f"{table.score.size} rows, {missing} without a score. {MISSING_RULE}."]
    if instrument_path is None:
        notes.append("Ranges were not checked (no --instrument): any number was taken as a score, "
                     "and scales come from the file's scale column with every item required.")
    else:
        notes.append(f"Every score was checked against the item ranges of {instrument_path.name}; "
                     "scales are scored by its rules.")
    return table, scales, notes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
