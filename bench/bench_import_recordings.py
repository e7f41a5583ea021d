"""Importing a folder of recordings: scan, checksums, the import transaction, then a re-import.

Usage: python bench/bench_import_recordings.py [N] [MB] [--probe]

Default: N=300 files of MB=2 random bytes (P001_S1.mp4 …) with probing
disabled, since random bytes are not media. With ``--probe`` the files are
instead copies of the 43 KB demo clip, each made unique by 16 random trailing
bytes, and every file is probed (libVLC, else ffprobe). The files were just
written, so they are read from the page cache: the MB/s is hashing speed, not
disk or network-share speed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.storage import open_database
from rater.study.recordings import import_recordings, media_prober, scan_folder

DEMO_CLIP = RESOURCES / "demo" / "demo_closing_clip.mp4"


def make_files(folder: Path, n: int, size: int, real_media: bool) -> int:
    """Write the test folder; returns its total bytes."""
    total = 0
    for i in range(1, n + 1):
        path = folder / f"P{i:03d}_S1.mp4"
        if real_media:
            shutil.copyfile(DEMO_CLIP, path)
            with open(path, "ab") as fh:
                fh.write(os.urandom(16))
        else:
            path.write_bytes(os.urandom(size))
        total += path.stat().st_size
    return total


def main(n: int = 300, mb: float = 2.0, probe: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "media"
        folder.mkdir()
        total = make_files(folder, n, int(mb * 1024 * 1024), probe)
        db = open_database(Path(tmp) / "bench.sqlite")
        with db.transaction() as s:
            study = m.Study(name="Bench", code="BENCH")
            s.add(study)

        prober = media_prober() if probe else None  # loaded before the clock starts
        start = time.perf_counter()
        scan = scan_folder(folder)
        scanned = time.perf_counter()
        hashed = [0.0]

        def progress(done: int, all_bytes: int, current: str) -> None:
            if done == all_bytes and not current:
                hashed[0] = time.perf_counter()

        report = import_recordings(db, study.id, scan.matched, folder, progress=progress, prober=prober)
        end = time.perf_counter()
        again = import_recordings(db, study.id, scan_folder(folder).matched, folder, prober=prober)
        reimport = time.perf_counter() - end
        db.close()

    assert len(report.imported) == n and len(again.skipped) == n, (report, again)
    mode = "demo clip copies, probed" if probe else "random bytes, probing disabled"
    mbytes = total / 1e6
    elapsed = end - start
    print(f"{n} files, {mbytes:.0f} MB ({mode})")
    print(f"  scan          {scanned - start:7.3f} s")
    print(f"  checksum{'+probe' if probe else '      '} {hashed[0] - scanned:7.3f} s  "
          f"{mbytes / (hashed[0] - scanned):7.0f} MB/s")
    print(f"  db write      {end - hashed[0]:7.3f} s  (one transaction, {n} recordings + patients + sessions + audit)")
    print(f"  total         {elapsed:7.3f} s  {n / elapsed:7.0f} files/s  {mbytes / elapsed:7.0f} MB/s")
    print(f"  re-import     {reimport:7.3f} s  (all {n} skipped: same path and checksum)")


if __name__ == "__main__":
    argv = [a for a in sys.argv[1:] if a != "--probe"]
    main(int(argv[0]) if argv else 300, float(argv[1]) if len(argv) > 1 else 2.0, "--probe" in sys.argv)
