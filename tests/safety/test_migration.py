"""Revision 0003_safety goes down and up again on both backends, also after roles and policies were applied."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pooling.helpers import build_study

from rater.storage import open_database
from rater.storage.migrate import MIGRATIONS, SCHEMA_HEAD, current_revision
from rater.storage.roles import apply_roles

from .conftest import drop_database_and_roles


def _alembic(db, action, target: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, target)
        conn.commit()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_down_to_0002_and_up_again(new_db_url, tmp_path, backend):
    url = new_db_url(backend, "migrate")
    db = open_database(url)
    try:
        build_study(db, tmp_path / "media", raters=2)
        if backend == "postgresql":
            apply_roles(db)
        _alembic(db, command.downgrade, "0002_pooling")
        assert current_revision(db) == "0002_pooling"
        with db.engine.connect() as conn:
            assert not sa.inspect(conn).has_table("db_role")
            if backend == "postgresql":
                assert conn.execute(sa.text("SELECT count(*) FROM pg_policies")).scalar() == 0
                assert not conn.execute(sa.text("SELECT relrowsecurity FROM pg_class WHERE relname = 'rating'"
                                                )).scalar()
            # The ratings themselves are untouched.
            assert conn.execute(sa.text("SELECT count(*) FROM assignment")).scalar() == 8
        _alembic(db, command.upgrade, "head")
        assert current_revision(db) == SCHEMA_HEAD
        with db.engine.connect() as conn:
            assert sa.inspect(conn).has_table("db_role")
    finally:
        db.close()
        if backend == "postgresql":
            drop_database_and_roles(url)
