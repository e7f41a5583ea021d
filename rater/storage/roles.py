"""PostgreSQL roles and row-level security: blinding that holds below the application.

On the shared PostgreSQL store each rater connects with a login role of their
own. Row-level security then lets that role read and write only its own
assignments, ratings, item scores (with their notes) and marks, and see no
row at all of coordinator-only tables (consensus, drift schedules); gold only
once their own training assignment allows it; a coordinator role sees
everything. Whatever program a rater uses — this app, psql, a spreadsheet's
ODBC — the server answers only with their own rows. Their ``assignment`` is
read through a view that shows a hidden drift check as a study session
(:mod:`rater.storage.rater_view`).

:data:`POLICIES` is the one list of protected tables. A table added later that
raters must not see is protected by adding one line ``Policy("name", NO_ROWS)``
and running ``rater db roles`` again.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from rater.storage import models as m
from rater.storage.database import Database, DatabaseError
from rater.storage.rater_view import REVEALED_FUNCTION, create_assignment_view, create_revealed_function, route_rater

log = logging.getLogger(__name__)

# The rater ids of the role running the query (a role belongs to one rater; the set keeps the SQL simple).
MY_RATERS = "(SELECT r.rater_id FROM db_role r WHERE r.role_name = current_user AND r.kind = 'rater')"
NO_ROWS = "false"
# A migration drops policies by these names (0003_safety keeps its own copy).
RATER_POLICY = "rater_own_rows"
COORDINATOR_POLICY = "coordinator_all_rows"
POLICY_NAMES = (RATER_POLICY, COORDINATOR_POLICY)


@dataclass(frozen=True)
class Policy:
    """Which rows of ``table`` a rater's role may see (an SQL condition), and what it may do to them.

    Conditions may read another protected table: that table's own policy then
    applies, so "item scores of ratings I can see" is "my item scores".
    """

    table: str
    rater_rows: str
    rater_writes: tuple[str, ...] = ()


_OWN = ("INSERT", "UPDATE", "DELETE")
_MY_RATINGS = "rating_id IN (SELECT id FROM rating)"

POLICIES: tuple[Policy, ...] = (
    Policy("assignment", f"rater_id IN {MY_RATERS}", ("UPDATE (status)",)),
    Policy("rating", "assignment_id IN (SELECT id FROM assignment)", _OWN),
    Policy("item_score", _MY_RATINGS, _OWN),  # scores and their per-item notes
    Policy("mark", _MY_RATINGS, _OWN),
    Policy("mark_link", _MY_RATINGS, _OWN),
    # Audit events carry old → new values: only the rater's own events.
    Policy("audit_event", "(actor, study_id) IN (SELECT 'rater:' || x.code, x.study_id FROM rater x "
                          f"WHERE x.id IN {MY_RATERS})", ("INSERT",)),
    Policy("rating_conflict", NO_ROWS),
    Policy("db_role", "role_name = current_user"),
    # Player speed, volume and keys: each rater keeps their own.
    Policy("rater_preference", f"rater_id IN {MY_RATERS}", _OWN),
    # The coordinator password's hash stays out of reach of offline guessing.
    Policy("setting", "key <> 'coordinator_password'"),
    # Training. A hidden drift check's row appears only once submitted, so before that it is a study session.
    Policy("training_assignment", "(kind <> 'drift_hidden' AND assignment_id IN (SELECT id FROM assignment)) "
                                  "OR assignment_id IN (SELECT id FROM assignment WHERE status = 'submitted')"),
    Policy("training_material", "session_id IN (SELECT a.session_id FROM assignment a "
                                "JOIN training_assignment ta ON ta.assignment_id = a.id)"),
    # Gold: while playing a worked example; after submitting practice or a check; a calibration once revealed.
    Policy("gold_rating", "EXISTS (SELECT 1 FROM assignment a JOIN training_assignment ta ON ta.assignment_id = a.id "
                          "WHERE a.session_id = gold_rating.session_id AND a.instrument_id = gold_rating.instrument_id "
                          "AND (ta.kind = 'worked_example' OR (a.status = 'submitted' AND (ta.kind IN "
                          "('practice', 'drift_open', 'drift_hidden') OR (ta.kind = 'calibration' AND "
                          f"{REVEALED_FUNCTION}(ta.meeting_id))))))"),
    Policy("gold_score", "gold_rating_id IN (SELECT id FROM gold_rating)"),
    Policy("gold_mark", "gold_rating_id IN (SELECT id FROM gold_rating)"),
    Policy("consensus_score", NO_ROWS),
    Policy("calibration_meeting", "id IN (SELECT meeting_id FROM training_assignment)"),
    # Pass marks are no secret (feedback shows the rater where they stand); schedules would announce checks.
    Policy("certification_criterion", f"study_id IN (SELECT x.study_id FROM rater x WHERE x.id IN {MY_RATERS})"),
    Policy("drift_schedule", NO_ROWS),
)

# What a submitted rating's rater may no longer change (the app says "a coordinator can reopen it"). Without
# this a rater's login could mark its own practice submitted, read the gold it opens, and score to match.
_OPEN_RATINGS = "rating_id IN (SELECT r.id FROM rating r JOIN assignment a ON a.id = r.assignment_id " \
                "WHERE a.status <> 'submitted')"
LOCKED_AFTER_SUBMIT: dict[str, str] = {"assignment": "status <> 'submitted'", "item_score": _OPEN_RATINGS,
                                       "mark": _OPEN_RATINGS, "mark_link": _OPEN_RATINGS}
LOCK_POLICIES = {"INSERT": "rater_locked_insert", "UPDATE": "rater_locked_update", "DELETE": "rater_locked_delete"}

# Tables raters may also write besides their own rows above: the homework log is kept by raters of a team.
RATER_OTHER_WRITES = {"homework_entry": ("INSERT", "UPDATE", "DELETE")}


@dataclass
class RoleReport:
    """What ``apply_roles`` did; ``passwords`` holds only roles whose password was set this time."""

    database: str
    raters_group: str
    coordinators_group: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    protected_tables: list[str] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # role → password
    rater_of_role: dict[str, str] = field(default_factory=dict)  # role → rater code ("" for the coordinator)


def role_name(prefix: str, study_code: str, rater_code: str) -> str:
    """A rater's PostgreSQL role: ``<database>_<study>_<rater>`` in lower case letters, digits and _.

    The study is part of the name because rater codes are unique only within
    a study; two studies' "R01" must never share a login.
    """
    return f"{prefix}_{_clean(study_code)}_{_clean(rater_code)}"[:63]


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "x"


def apply_roles(db: Database, *, study_code: str | None = None, new_passwords: bool = False,
                before_commit: Callable[[RoleReport], None] | None = None) -> RoleReport:
    """Create or update the roles and row-level security policies of this PostgreSQL database.

    One login role per rater (``<database>_<study>_<rater>``, in the group
    ``<database>_raters``), one coordinator login role
    (``<database>_coordinator``, in ``<database>_coordinators``). New roles get
    a random password; existing roles keep theirs unless ``new_passwords``.
    Deactivated raters' roles can no longer log in. Safe to run again: it
    brings roles, grants and policies up to date. Must be run by the role that
    owns the tables (the one that created the database).

    Everything happens in one transaction (PostgreSQL's role and policy
    changes are transactional). ``before_commit`` gets the report before the
    commit — the place to save new passwords: if it raises, nothing changes.
    """
    if db.engine.dialect.name != "postgresql":
        raise DatabaseError("Database roles and row-level security need the shared PostgreSQL store; "
                            "an SQLite file is protected by its file permissions only.")
    database = db.engine.url.database or ""
    prefix = _clean(database)[:30]
    report = RoleReport(database, f"{prefix}_raters", f"{prefix}_coordinators")
    with db.transaction() as s:
        conn = s.connection()
        _check_owner(conn)
        for group in (report.raters_group, report.coordinators_group):
            if not _role_exists(conn, group):
                conn.execute(text(f'CREATE ROLE "{group}" NOLOGIN'))
        coordinator = f"{prefix}_coordinator"
        _login_role(conn, report, coordinator, report.coordinators_group, True, new_passwords)
        report.rater_of_role[coordinator] = ""
        _store_role(s, coordinator, "coordinator", None)
        query = select(m.Rater, m.Study.code).join(m.Study, m.Study.id == m.Rater.study_id)
        if study_code:
            query = query.where(m.Study.code == study_code)
        raters = s.execute(query.order_by(m.Study.code, m.Rater.code)).all()
        if study_code and not raters:
            raise DatabaseError(f"No study {study_code!r} with raters in this database.")
        _refuse_shared_names(prefix, raters)
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        for rater, code in raters:
            name = role_name(prefix, code, rater.code)
            _login_role(conn, report, name, report.raters_group, rater.active, new_passwords)
            route_rater(conn, name, database, schema)
            report.rater_of_role[name] = rater.code
            _store_role(s, name, "rater", rater.id)
        s.flush()
        _grant(conn, report, database)
        create_assignment_view(conn, schema, report.raters_group, MY_RATERS)
        if {"calibration_meeting", "training_assignment"} <= set(inspect(conn).get_table_names()):
            create_revealed_function(conn, schema, report.raters_group)
        _protect(conn, report)
        if before_commit is not None:
            before_commit(report)
    log.info("database roles of %s: %d created, %d updated, %d tables protected", database,
             len(report.created), len(report.updated), len(report.protected_tables))
    return report


def _refuse_shared_names(prefix: str, raters: list) -> None:
    # "T1-03" and "T1_03" clean to the same name: one login for two people would break blinding.
    seen: dict[str, str] = {}
    for rater, code in raters:
        name = role_name(prefix, code, rater.code)
        if name in seen:
            raise DatabaseError(f"Raters {seen[name]} and {code}/{rater.code} would share the database role "
                                f"{name}; rename one of them (codes differing only in punctuation or case "
                                "cannot be told apart by role names).")
        seen[name] = f"{code}/{rater.code}"


def _check_owner(conn: Connection) -> None:
    owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                              "AND tablename = 'rating'")).scalar()
    me, superuser = conn.execute(text("SELECT current_user, rolsuper FROM pg_roles "
                                      "WHERE rolname = current_user")).one()
    if owner != me and not superuser:
        raise DatabaseError(f"Run this as the role that owns the tables ({owner}), not as {me}.", "read_only")


def _role_exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is not None


def _login_role(conn: Connection, report: RoleReport, name: str, group: str, active: bool,
                new_password: bool) -> None:
    exists = _role_exists(conn, name)
    # Never a superuser or BYPASSRLS: either would walk straight past the policies.
    conn.execute(text(f'{"ALTER" if exists else "CREATE"} ROLE "{name}" {"LOGIN" if active else "NOLOGIN"} '
                      "NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB"))
    if not active:
        report.disabled.append(name)
    else:
        (report.updated if exists else report.created).append(name)
        if not exists or new_password:
            password = secrets.token_urlsafe(18)
            # Role options take no bind parameters; token_urlsafe never contains a quote.
            conn.execute(text(f"ALTER ROLE \"{name}\" PASSWORD '{password}'"))
            report.passwords[name] = password
    conn.execute(text(f'GRANT "{group}" TO "{name}"'))


def _store_role(s, name: str, kind: str, rater_id: str | None) -> None:
    row = s.get(m.DbRole, name)
    if row is None:
        s.add(m.DbRole(role_name=name, kind=kind, rater_id=rater_id))
    else:
        row.kind, row.rater_id = kind, rater_id


def _grant(conn: Connection, report: RoleReport, database: str) -> None:
    raters, coordinators = report.raters_group, report.coordinators_group
    tables = inspect(conn).get_table_names()
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{raters}", "{coordinators}"'))
    schema = conn.execute(text("SELECT current_schema()")).scalar()
    conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{raters}", "{coordinators}"'))
    for table in tables:
        conn.execute(text(f'REVOKE ALL ON "{table}" FROM "{raters}"'))
        conn.execute(text(f'GRANT ALL ON "{table}" TO "{coordinators}"'))
        conn.execute(text(f'GRANT SELECT ON "{table}" TO "{raters}"'))
    writes = {p.table: p.rater_writes for p in POLICIES} | RATER_OTHER_WRITES
    for table, privileges in writes.items():
        if privileges and table in tables:
            conn.execute(text(f'GRANT {", ".join(privileges)} ON "{table}" TO "{raters}"'))


def _protect(conn: Connection, report: RoleReport) -> None:
    tables = set(inspect(conn).get_table_names())
    for policy in POLICIES:
        if policy.table not in tables:
            # A line for a table a newer schema adds: protected once the database has it.
            report.missing_tables.append(policy.table)
            continue
        table = policy.table
        conn.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        for name in POLICY_NAMES:
            conn.execute(text(f'DROP POLICY IF EXISTS "{name}" ON "{table}"'))
        conn.execute(text(f'CREATE POLICY "{RATER_POLICY}" ON "{table}" TO "{report.raters_group}" '
                          f"USING ({policy.rater_rows}) WITH CHECK ({policy.rater_rows})"))
        conn.execute(text(f'CREATE POLICY "{COORDINATOR_POLICY}" ON "{table}" TO "{report.coordinators_group}" '
                          "USING (true) WITH CHECK (true)"))
        _lock_after_submit(conn, table, report.raters_group)
        report.protected_tables.append(table)


def _lock_after_submit(conn: Connection, table: str, raters: str) -> None:
    """Restrictive policies: a rater's writes must also leave submitted ratings alone (reading stays open)."""
    for command, name in LOCK_POLICIES.items():
        conn.execute(text(f'DROP POLICY IF EXISTS "{name}" ON "{table}"'))
        if (open_rows := LOCKED_AFTER_SUBMIT.get(table)) is None or (table == "assignment" and command != "UPDATE"):
            continue
        # The old row must be open; the new one may be the submission itself (assignment) or must stay open.
        using = "" if command == "INSERT" else f" USING ({open_rows})"
        check = {"INSERT": f" WITH CHECK ({open_rows})", "DELETE": "",
                 "UPDATE": " WITH CHECK (true)" if table == "assignment" else f" WITH CHECK ({open_rows})"}[command]
        conn.execute(text(f'CREATE POLICY "{name}" ON "{table}" AS RESTRICTIVE FOR {command} TO "{raters}"'
                          f"{using}{check}"))
