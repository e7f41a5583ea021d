"""What a rater's PostgreSQL role reads in place of tables that would give a hidden drift check away.

Row-level security chooses rows, not columns. A hidden drift check is the
rater's own assignment row, so the policies let them read it — and its
``purpose`` ("check"), its empty team and its later creation date would tell
it from a study session. So a rater's role reads ``assignment`` through the
view ``rater_view.assignment`` (its ``search_path`` puts that schema first),
which shows a hidden check as the study session it stands in for, and may read
only the harmless columns of the table itself (the policies of other tables
look rows up there by id and status). A status change through the view is
passed on to the table as the rater, under the table's policies.

A calibration's gold opens to a rater once every attendee has submitted, which
their own role cannot see (the others' assignments are not theirs):
``rater_calibration_revealed`` answers that one question with the owner's
rights.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

VIEW_SCHEMA = "rater_view"
# rater.study.training.practice.HIDDEN_CHECK: the purpose stored for a hidden drift check.
HIDDEN_CHECK = "check"
# Columns of ``assignment`` a hidden check would differ in; shown as the rater's study assignments have them.
MASKED = ("purpose", "team_id", "created_at")
REVEALED_FUNCTION = "rater_calibration_revealed"


def create_revealed_function(conn: Connection, schema: str, raters_group: str) -> None:
    """The calibration test the gold policies use; owner's rights, callable by raters only."""
    conn.execute(text(
        f'CREATE OR REPLACE FUNCTION "{schema}".{REVEALED_FUNCTION}(meeting text) RETURNS boolean '
        f'LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}" AS $$ '
        "SELECT m.closed_at IS NOT NULL OR (count(a.id) > 0 AND bool_and(a.status = 'submitted')) "
        "FROM calibration_meeting m LEFT JOIN training_assignment ta ON ta.meeting_id = m.id "
        "LEFT JOIN assignment a ON a.id = ta.assignment_id WHERE m.id = meeting GROUP BY m.closed_at $$"))
    conn.execute(text(f'REVOKE ALL ON FUNCTION "{schema}".{REVEALED_FUNCTION}(text) FROM PUBLIC'))
    conn.execute(text(f'GRANT EXECUTE ON FUNCTION "{schema}".{REVEALED_FUNCTION}(text) TO "{raters_group}"'))


def create_assignment_view(conn: Connection, schema: str, raters_group: str, my_raters: str) -> None:
    """(Re)create ``rater_view.assignment`` and limit the raters' reading of the table to harmless columns."""
    columns = [c["name"] for c in inspect(conn).get_columns("assignment")]
    same = "b.rater_id = a.rater_id AND b.instrument_id = a.instrument_id AND b.purpose = 'study'"
    shown = {
        "purpose": f"CASE WHEN a.purpose = '{HIDDEN_CHECK}' THEN 'study' ELSE a.purpose END",
        "team_id": f"CASE WHEN a.purpose = '{HIDDEN_CHECK}' THEN (SELECT b.team_id FROM \"{schema}\".assignment b "
                   f"WHERE {same} ORDER BY b.queue_position, b.id LIMIT 1) ELSE a.team_id END",
        "created_at": f"CASE WHEN a.purpose = '{HIDDEN_CHECK}' THEN COALESCE((SELECT min(b.created_at) FROM "
                      f"\"{schema}\".assignment b WHERE {same}), a.created_at) ELSE a.created_at END",
    }
    select_list = ", ".join(f"{shown[c]} AS {c}" if c in shown else f"a.{c}" for c in columns)
    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{VIEW_SCHEMA}"'))
    conn.execute(text(f'DROP VIEW IF EXISTS "{VIEW_SCHEMA}".assignment'))
    # The view reads with its owner's rights (row-level security does not apply to the owner), so it
    # repeats the rater's row condition itself; current_user is still the rater's role.
    conn.execute(text(f'CREATE VIEW "{VIEW_SCHEMA}".assignment AS SELECT {select_list} '
                      f'FROM "{schema}".assignment a WHERE a.rater_id IN {my_raters}'))
    # Writes go on to the table as the rater, so its policies (own rows, nothing after submission) apply.
    conn.execute(text(
        f'CREATE OR REPLACE FUNCTION "{VIEW_SCHEMA}".assignment_status() RETURNS trigger LANGUAGE plpgsql AS $$ '
        f'BEGIN UPDATE "{schema}".assignment SET status = NEW.status WHERE id = OLD.id; '
        "IF NOT FOUND THEN RETURN NULL; END IF; RETURN NEW; END $$"))
    conn.execute(text(f'CREATE TRIGGER assignment_status INSTEAD OF UPDATE ON "{VIEW_SCHEMA}".assignment '
                      f'FOR EACH ROW EXECUTE FUNCTION "{VIEW_SCHEMA}".assignment_status()'))
    conn.execute(text(f'GRANT USAGE ON SCHEMA "{VIEW_SCHEMA}" TO "{raters_group}"'))
    conn.execute(text(f'GRANT SELECT, UPDATE (status) ON "{VIEW_SCHEMA}".assignment TO "{raters_group}"'))
    readable = ", ".join(c for c in columns if c not in MASKED)
    conn.execute(text(f'REVOKE SELECT ON "{schema}".assignment FROM "{raters_group}"'))
    conn.execute(text(f'GRANT SELECT ({readable}) ON "{schema}".assignment TO "{raters_group}"'))


def route_rater(conn: Connection, role: str, database: str, schema: str) -> None:
    """Make ``role`` find the view before the table whenever it connects to ``database``."""
    conn.execute(text(f'ALTER ROLE "{role}" IN DATABASE "{database}" SET search_path = "{VIEW_SCHEMA}", "{schema}"'))
