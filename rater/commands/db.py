"""``rater db roles``: one PostgreSQL role per rater, with row-level security, on the shared store."""

from __future__ import annotations

import argparse
import csv
import io
import sys

from rater.commands.common import COORDINATOR, add_db_argument, add_study_argument, open_db

EPILOG = """\
what it does:
  Creates (or brings up to date) one login role per rater,
  <database>_<study>_<rater>, and one coordinator role, <database>_coordinator,
  then switches on row-level
  security: a rater's role reads and writes only that rater's assignments,
  ratings, item scores, notes and marks, sees nothing of other raters and no
  coordinator-only table; the coordinator role sees everything. Run it as the
  role that owns the tables, again after adding raters or upgrading the program.

  New roles get a random password, written with their connection address to
  --out (readable by you alone). Give each rater only their own line; they start
  the app with: rater --db postgresql+psycopg://<role>:<password>@<server>/<database>

example:
  rater db roles --db postgresql+psycopg://admin@server/lab --out lab-roles.csv
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``rater db roles``."""
    parser = sub.add_parser("db", help=COORDINATOR + "database roles of the shared PostgreSQL store")
    inner = parser.add_subparsers(dest="db_command", metavar="ACTION")
    roles = inner.add_parser("roles", help="create or update one role per rater, with row-level security",
                             description="Blinding enforced by the PostgreSQL server itself. Coordinator-only: "
                             "asks for the coordinator password.", epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(roles, coordinator=True)
    add_study_argument(roles)
    roles.add_argument("--out", required=True, metavar="FILE.csv",
                       help="where to write the new roles' passwords (role, rater, password, address)")
    roles.add_argument("--new-passwords", action="store_true",
                       help="give every active role a new password (default: only new roles get one)")
    roles.set_defaults(handler=run_roles)


def run_roles(args: argparse.Namespace) -> int:
    """Apply the roles; 0 on success, 1 when they could not be set up (nothing changed)."""
    from rater.fileio import atomic_file
    from rater.storage import DatabaseError
    from rater.storage.roles import apply_roles

    db = open_db(args, coordinator=True)

    def save_passwords(report) -> None:
        # Written before the roles are committed: passwords that could not be saved are never set.
        if report.passwords:
            with atomic_file(args.out, "w", encoding="utf-8", newline="") as fh:
                fh.write(_credentials_csv(report, db.engine.url))

    try:
        report = apply_roles(db, study_code=args.study, new_passwords=args.new_passwords,
                             before_commit=save_passwords)
    except (DatabaseError, OSError) as err:
        print(f"error: {err}; no role or policy was changed", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"database {report.database}: roles of raters in group {report.raters_group}, "
          f"coordinator in {report.coordinators_group}")
    for label, names in (("created", report.created), ("updated", report.updated),
                         ("cannot log in (rater deactivated)", report.disabled)):
        if names:
            print(f"  {label}: {', '.join(names)}")
    print(f"  row-level security on: {', '.join(report.protected_tables)}")
    if report.missing_tables:
        print(f"  not in this database yet (upgrade, then run again): {', '.join(report.missing_tables)}")
    if report.passwords:
        print(f"  {len(report.passwords)} new password(s) written to {args.out} (readable by you only); "
              "give each rater only their own line")
    else:
        print("  no new passwords (existing roles keep theirs; --new-passwords renews them)")
    return 0


def _credentials_csv(report, url) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["role", "rater", "password", "address"])
    for role, password in sorted(report.passwords.items()):
        address = url.set(username=role, password=None).render_as_string(hide_password=False)
        writer.writerow([role, report.rater_of_role.get(role, ""), password, address])
    return buffer.getvalue()
