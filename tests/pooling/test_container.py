"""The package file itself: atomic writing, and the schema the pooling tables need."""

from __future__ import annotations

import os

import pytest

from rater.pooling import container


def test_a_failed_write_leaves_neither_a_file_nor_a_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.srpkg"
    target.write_bytes(b"previous package")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        container.write_package(target, "ratings", {"id": "s", "code": "S"}, {"study": {"id": "s"}})
    assert target.read_bytes() == b"previous package"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.srpkg"]


def test_written_package_reads_back(tmp_path):
    target = tmp_path / "p.srpkg"
    manifest = container.write_package(target, "ratings", {"id": "s", "code": "S"},
                                       {"study": {"id": "s"}, "ratings": []})
    pkg = container.read_package(target, "ratings")
    assert pkg.manifest == manifest and pkg.payload == {"study": {"id": "s"}, "ratings": []}
    assert pkg.id == manifest["package_id"] and pkg.study_id == "s"


def test_the_pooling_tables_match_the_models(make_db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from rater.storage.models import Base

    db = make_db("schema")
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
