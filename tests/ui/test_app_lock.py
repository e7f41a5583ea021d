"""One running copy per database: two real app processes, the second refused while the first holds the lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The real start-up path (rater.ui.app.run); only the error dialog, which would wait for a click,
# prints its message instead.
APP = textwrap.dedent("""
    import sys
    from rater.ui import app, dialogs
    dialogs.error = lambda parent, title, text: print(f"DIALOG {title}: {text}", flush=True)
    sys.exit(app.run(sys.argv[1], demo="yes"))
""")


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RATER_DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT)}


def _flock_holders(lock_file: Path) -> list[int]:
    """Process ids holding an flock on ``lock_file``, from /proc/locks (the kernel's own list)."""
    inode = lock_file.stat().st_ino
    holders = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 00:2f:5678 0 EOF"
        if fields[1] == "FLOCK" and int(fields[5].split(":")[2]) == inode:
            holders.append(int(fields[4]))
    return holders


def _wait_for_holder(lock_file: Path, pid: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the first copy ended early: {proc.communicate()}"
        if lock_file.exists() and pid in _flock_holders(lock_file):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never took the lock on {lock_file}")


def test_a_second_copy_is_refused_while_the_first_keeps_the_lock(tmp_path):
    db = tmp_path / "lab.sqlite"
    lock_file = tmp_path / "lab.sqlite.lock"
    first = subprocess.Popen([sys.executable, "-c", APP, str(db)], cwd=ROOT, env=_env(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_holder(lock_file, first.pid, first)
        # Long enough after start-up for a lock held by a collected local to have been dropped.
        time.sleep(1.0)
        assert _flock_holders(lock_file) == [first.pid]

        second = subprocess.run([sys.executable, "-c", APP, str(db)], cwd=ROOT, env=_env(tmp_path),
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2, second
        assert "DIALOG Cannot open the database" in second.stdout
        assert f"already open in another copy of Session Rater (process {first.pid})" in second.stdout
        # The first copy still holds the lock and its pid is still the one on record.
        assert first.poll() is None
        assert _flock_holders(lock_file) == [first.pid]
        assert lock_file.read_text().strip() == str(first.pid)
    finally:
        first.kill()
        first.communicate()
    # kill -9 leaves no stale lock: a new copy starts on the same file.
    assert _flock_holders(lock_file) == []
    third = subprocess.Popen([sys.executable, "-c", APP, str(db)], cwd=ROOT, env=_env(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_holder(lock_file, third.pid, third)
    finally:
        third.kill()
        third.communicate()
