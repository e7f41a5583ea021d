"""Files written whole or not at all."""

from __future__ import annotations

import os
import stat

import pytest

from rater.fileio import atomic_file


def test_a_clean_exit_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_file(target, "w", encoding="utf-8") as fh:
        fh.write("new ✓")
        assert target.read_text() == "old"  # not in place until the block ends
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_error_while_writing_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as fh:
        fh.write(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_permissions_of_the_finished_file(tmp_path):
    with atomic_file(tmp_path / "private") as fh:
        fh.write(b"x")
    with atomic_file(tmp_path / "shared", permissions=0o644) as fh:
        fh.write(b"x")
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared").stat().st_mode) == 0o644
