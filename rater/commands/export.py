"""``rater export``: the pooled workbook (and CSV files) of a study, for scripts."""

from __future__ import annotations

import argparse
import logging
import sys

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db, pick_study

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``rater export``."""
    parser = sub.add_parser(
        "export",
        help=COORDINATOR + "export a study: one Excel workbook and/or CSV files",
        description="Export a study's pooled ratings: ratings long and wide, session means, reliability, "
        "raters, homework log, marks and a codebook, as one Excel workbook and/or one CSV file per table, "
        "optionally with SPSS files that carry item texts and anchors as labels. "
        "Files are written to temporary names and moved into place only when all are complete. Coordinator-only: "
        "asks for the coordinator password. Works on a database on read-only media.",
        epilog="example: rater export --db lab.sqlite --out pooled.xlsx --csv pooled_csv --sav",
    )
    add_db_argument(parser, coordinator=True)
    add_study_argument(parser)
    parser.add_argument("--out", metavar="FILE.xlsx", help="the workbook to write")
    parser.add_argument("--csv", metavar="DIR", help="also (or only) write one CSV file per table into DIR")
    parser.add_argument("--sav", action="store_true",
                        help="also write ratings_wide.sav and session_means.sav (SPSS, read by R haven) into the "
                        "--csv folder: item texts as variable labels, anchors as value labels, N/A as a missing code")
    parser.add_argument("--csv-bom", action="store_true",
                        help="start CSV files with a UTF-8 byte-order mark (for Excel on Windows)")
    parser.add_argument("--include-in-progress", action="store_true",
                        help="include ratings not yet submitted (default: submitted ratings only)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=run)


class _StderrProgress:
    """Progress on stderr: a rewritten line on a terminal, a line per 10% otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_decile = -1

    def __call__(self, fraction: float, message: str) -> None:
        if self.tty:
            sys.stderr.write(f"\r{100 * fraction:5.1f}%  {message[:70]:<70}")
            if fraction >= 1:
                sys.stderr.write("\n")
        else:
            decile = int(fraction * 10)
            if decile > self.last_decile:
                self.last_decile = decile
                sys.stderr.write(f"{100 * fraction:5.1f}%  {message}\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Export; 0 on success, 1 if the export could not be written, 130 if interrupted."""
    from rater.export import ExportCancelled, ExportError, export_study

    if not args.out and not args.csv:
        print("error: give --out FILE.xlsx, --csv DIR, or both", file=sys.stderr)
        return 2
    if args.sav and not args.csv:
        print("error: --sav writes into the CSV folder: give --csv DIR too", file=sys.stderr)
        return 2
    db = open_db(args, coordinator=True, reading_only=True)
    study_id = pick_study(db, args.study)
    try:
        summary = export_study(db, study_id, xlsx=args.out, csv_dir=args.csv,
                               include_in_progress=args.include_in_progress, csv_bom=args.csv_bom, spss=args.sav,
                               progress=None if args.quiet else _StderrProgress())
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (ExportCancelled, KeyboardInterrupt):
        print("\nexport interrupted; no partial file was left", file=sys.stderr)
        return 130
    finally:
        db.close()
    counts = summary.counts
    print(f"exported study {summary.study_code}: {counts.ratings:,} ratings, {counts.item_scores:,} item scores, "
          f"{counts.sessions:,} sessions ({summary.seconds:.1f} s)")
    if summary.workbook:
        print(f"  workbook: {summary.workbook}")
    if summary.csv_files:
        print(f"  CSV: {len(summary.csv_files)} files in {summary.csv_files[0].parent}")
    if summary.spss_files:
        print(f"  SPSS: {', '.join(p.name for p in summary.spss_files)}")
    if summary.cut_cells:
        where = ", ".join(f"{sheet} {cell}" for sheet, cell in summary.cut_cells[:5])
        more = f" and {len(summary.cut_cells) - 5:,} more" if len(summary.cut_cells) > 5 else ""
        print(f"  note: {len(summary.cut_cells):,} text cell(s) were longer than Excel's 32,767 characters and were "
              f"cut in the workbook ({where}{more}); the CSV files hold the whole text")
    for table, rows, names in summary.split_sheets:
        print(f"  note: {table} has {rows:,} rows, more than an Excel sheet holds (1,048,575 below the header): "
              f"it continues on {', '.join(names[1:])}")
    for problem in summary.reliability_problems:
        print(f"  note: no reliability figures: {problem}")
    return 0
