"""``rater instruments check FILE…``: validate instrument files for authors."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("instruments", help="work with instrument (rating scale) files")
    inner = parser.add_subparsers(dest="instruments_command", metavar="ACTION")
    check = inner.add_parser(
        "check",
        help="validate instrument files and list every problem",
        description="Validate instrument files (TOML). Prints every problem with its location; exit 1 if any.",
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rater.instruments import InstrumentError, load_file

    status = 0
    for path in args.files:
        try:
            instrument, _data = load_file(path)
        except InstrumentError as err:
            status = 1
            print(f"{path}: {len(err.problems)} problem(s)")
            for problem in err.problems:
                print(f"  {problem}")
            continue
        scales = ", ".join(f"{s.name} ({len(s.items)} items, {s.method})" for s in instrument.scales)
        print(f"{path}: OK — {instrument.name} {instrument.version}: {len(instrument.items)} items; scales: {scales}")
    return status
