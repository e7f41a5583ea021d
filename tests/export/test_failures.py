"""Exports that fail or are cancelled leave nothing behind: a real full disk at
every stage, real read-only media, a cancel at every check; progress only rises."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile

import pytest

from rater.export import ExportCancelled, ExportError, export_study
from rater.export.progress import Tracker


def _mount(where, size_kb: int, read_only: bool = False):
    where.mkdir()
    options = f"size={size_kb}k" + (",ro" if read_only else "")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {result.stderr.decode().strip()}")


def _umount(where) -> None:
    subprocess.run(["umount", str(where)], check=True)


def _everything(folder) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def sizes(built_study, tmp_path_factory):
    """Bytes of the workbook, the CSV files and the .sav files of the test study."""
    from rater.storage import open_database

    out = tmp_path_factory.mktemp("sizes")
    db = open_database(built_study.path)
    try:
        export_study(db, built_study.study_id, xlsx=out / "pooled.xlsx", csv_dir=out / "csv", spss=True)
    finally:
        db.close()
    csv = sum(p.stat().st_size for p in (out / "csv").glob("*.csv"))
    sav = sum(p.stat().st_size for p in (out / "csv").glob("*.sav"))
    return (out / "pooled.xlsx").stat().st_size, csv, sav


# Free space as a share of what the export needs: nothing, inside the workbook, at its
# end, inside the CSV files, inside the .sav files, one page short of everything.
STAGES = {"no space": 0.0, "mid workbook": 0.3, "workbook end": 0.999, "mid CSV": 1.5, "mid SPSS": 2.5,
          "almost all": 2.999}


@pytest.mark.parametrize("stage", STAGES)
def test_full_disk_at_every_stage(study_db, sizes, tmp_path, monkeypatch, capfd, stage):
    db, study_id, _ = study_db
    workbook, csv, sav = sizes
    # Boundaries of the stages in bytes: 0-1 workbook, 1-2 CSV files, 2-3 SPSS files.
    share = STAGES[stage]
    bounds = [0, workbook, workbook + csv, workbook + csv + sav]
    whole = int(share)
    free = int(bounds[whole] + (share - whole) * (bounds[min(whole + 1, 3)] - bounds[whole]))
    disk = tmp_path / "disk"
    previous = b"previous export"
    _mount(disk, (workbook + csv + sav) // 1024 + 256)
    try:
        (disk / "pooled.xlsx").write_bytes(previous)
        # Fill the disk, then free exactly ``free`` bytes (rounded down to whole pages).
        with (disk / "filler").open("wb", buffering=0) as fh, pytest.raises(OSError):
            while True:
                fh.write(b"\0" * 4096)
        os.truncate(disk / "filler", max(0, (disk / "filler").stat().st_size - free // 4096 * 4096))
        unraisable = []
        monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
        with pytest.raises(ExportError, match="No space left on device"):
            export_study(db, study_id, xlsx=disk / "pooled.xlsx", csv_dir=disk / "csv", spss=True)
        gc.collect()
        assert unraisable == []  # no ZipFile.__del__ or other error after the fact
        assert "Exception ignored" not in capfd.readouterr().err
        assert _everything(disk) == {"pooled.xlsx", "filler"}  # no temp file, no csv folder
        assert (disk / "pooled.xlsx").read_bytes() == previous
    finally:
        _umount(disk)


def test_read_only_media(study_db, tmp_path):
    db, study_id, _ = study_db
    media = tmp_path / "media"
    _mount(media, 1024, read_only=True)
    try:
        for target in ({"xlsx": media / "pooled.xlsx"}, {"csv_dir": media}, {"csv_dir": media / "csv"}):
            with pytest.raises(ExportError, match="Read-only file system") as err:
                export_study(db, study_id, progress=lambda f, m: pytest.fail("work started"), **target)
            assert str(media) in str(err.value)
        assert list(media.iterdir()) == []
    finally:
        _umount(media)


def _canceller(stop: int):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= stop

    cancel.calls = calls
    return cancel


def test_cancel_at_every_stage_leaves_nothing(study_db, tmp_path, monkeypatch):
    db, study_id, _ = study_db
    count = _canceller(10**9)
    export_study(db, study_id, xlsx=tmp_path / "dry.xlsx", csv_dir=tmp_path / "dry", spss=True, cancel=count)
    total = len(count.calls)
    count_csv = _canceller(10**9)
    export_study(db, study_id, csv_dir=tmp_path / "dry", spss=True, cancel=count_csv)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out"
    out.mkdir()
    (out / "old").mkdir()
    (out / "old" / "marks.csv").write_text("kept")
    for stop in sorted({1, 2, total // 4, total // 2, 3 * total // 4, total - 1, total}):
        with pytest.raises(ExportCancelled):
            export_study(db, study_id, xlsx=out / "pooled.xlsx", csv_dir=out / "new" / "csv", spss=True,
                         cancel=_canceller(stop))
        assert _everything(out) == {"old", "old/marks.csv"}, stop
        # Into a folder that exists: its files stay as they were.
        with pytest.raises(ExportCancelled):
            export_study(db, study_id, csv_dir=out / "old", spss=True,
                         cancel=_canceller(max(1, stop * len(count_csv.calls) // total)))
        assert _everything(out) == {"old", "old/marks.csv"}, stop
        assert (out / "old" / "marks.csv").read_text() == "kept"
    assert list(scratch.iterdir()) == []


def test_tracker_only_rises_when_the_plan_changes():
    seen = []
    tracker = Tracker(100, lambda f, m: seen.append(f))
    tracker.advance(50, force=True)
    tracker.replan(1000)  # much more work than first thought: the bar must not fall back
    tracker.advance(10, force=True)
    tracker.replan(5)  # much less
    tracker.advance(2, force=True)
    tracker.advance(500, force=True)  # more than planned: held below 1 until finished
    assert seen[-1] < 1.0
    tracker.finish("done")
    assert seen == sorted(seen) and seen[0] == 0.5 and seen[-1] == 1.0
    assert len(set(seen)) == len(seen)


def test_progress_of_every_output_rises_to_one(study_db, tmp_path):
    db, study_id, _ = study_db
    seen = []
    export_study(db, study_id, xlsx=tmp_path / "pooled.xlsx", csv_dir=tmp_path / "csv", spss=True,
                 progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 3
    assert seen[0][1] == "Computing reliability" and seen[-1][1].startswith("Exported")
