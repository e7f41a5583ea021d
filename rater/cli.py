"""Command line: ``rater`` starts the app; sub-commands script the rest.

Heavy modules (Qt, SQLAlchemy, statistics) are imported inside the commands
that need them so ``rater --help`` and start-up stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from rater import __version__

log = logging.getLogger(__name__)

# Each module exposes register(subparsers) and run(args) -> int.
COMMAND_MODULES = (
    "rater.commands.instruments",
    "rater.commands.study",
    "rater.commands.status",
    "rater.commands.reliability",
    "rater.commands.assign",
    "rater.commands.package",
    "rater.commands.export",
    "rater.commands.ratings",
    "rater.commands.db",
    "rater.commands.training",
    "rater.commands.segment",
)

DESCRIPTION = """\
Session Rater: rate psychotherapy-session recordings beside a structured form,
then pool the ratings and check their reliability.

Without a command, the desktop application starts.
"""

EPILOG = """\
database:
  --db accepts a file path (an SQLite database, created if missing) or a
  SQLAlchemy URL such as postgresql+psycopg://user@host/lab. Without --db the
  database is ratings.sqlite in the data folder: the platform's user data folder
  (e.g. ~/.local/share/SessionRater), or $RATER_DATA_DIR when that is set.

coordinator-only commands:
  Commands marked [coordinator] ask for the coordinator password (the one set
  in the app's coordinator mode) on the terminal, or read it from the first
  line of --password-file FILE in scripts. A wrong password exits with status 3
  and does nothing; repeated wrong passwords wait longer each time, also across
  processes. On the shared PostgreSQL store, rater db roles gives every rater
  a database role that the server itself restricts to their own ratings.

examples:
  rater                                   start the app on the default database
  rater --db lab.sqlite                   start the app on lab.sqlite
  rater instruments check my_scale.toml   validate an instrument file
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rater",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"Session Rater {__version__}")
    parser.add_argument("--db", help="database file or SQLAlchemy URL (default: ratings.sqlite in the data folder)")
    parser.add_argument(
        "--demo",
        choices=("ask", "yes", "no"),
        default="ask",
        help="on an empty database: offer the demo study (ask, default), create it (yes) or not (no)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level for the log file (default INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def default_db() -> str:
    from rater.paths import default_db_path

    return str(default_db_path())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from rater.logsetup import setup_logging

    setup_logging(args.log_level)
    if args.command is None:
        from rater.ui.app import run

        return run(args.db or default_db(), demo=args.demo)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.error(f"{args.command}: choose a sub-command (see rater {args.command} --help)")
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
