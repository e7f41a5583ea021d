"""Rewrite references to the modules moved into use-case folders.

``python scripts/rewrite_module_paths.py [--move] [PATH ...]`` rewrites every
reference (imports, ``from X import module`` lines, dotted names in strings
such as mock.patch targets, and file paths in documentation) under the given
paths (default: the whole tree). ``--move`` first moves the files with
``git mv``. Running it again is harmless; a branch made before the move is
brought up to date by running it (without ``--move``) on that branch's files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# old dotted module -> new dotted module
STUDY = {
    "assign": "assign", "assign_db": "assign.db", "assign_edit": "assign.edit", "assign_flow": "assign.flow",
    "assign_plan": "assign.plan", "patient_rule": "assign.patient_rule",
    "recordings": "recordings", "recordings_files": "recordings.files", "recordings_import": "recordings.importing",
    "recordings_manifest": "recordings.manifest", "recordings_scan": "recordings.scan",
    "recordings_verify": "recordings.verify", "recordings_write": "recordings.write",
    "media_paths": "recordings.media_paths",
    **{name: f"setup.{name}" for name in (
        "editing", "editing_sessions", "studyfile", "studyfile_writer", "coordination", "demo", "settings",
        "session_range")},
    **{name: f"rating.{name}" for name in (
        "workstation", "rating_writes", "write_queue", "write_commands", "submit_checks", "playback", "evidence",
        "segments", "preferences", "views", "pins")},
    **{name: f"reports.{name}" for name in (
        "overview", "progress", "reliability_data", "reliability_figures", "scores_read", "homework")},
}
COORDINATOR = {
    "reliability_screen": "reliability.screen", "reliability_tables": "reliability.tables",
    "plots_charts": "reliability.plots_charts",
    "pooling_conflicts": "pooling.conflicts", "pooling_desktop": "pooling.desktop", "pooling_screen": "pooling.screen",
    "recordings_screen": "recordings.screen", "import_report": "recordings.import_report",
    **{name: f"setup.{name}" for name in (
        "new_study", "new_study_lists", "study_screen", "raters_screen", "rater_dialog", "team_dialog",
        "patients_screen", "session_dialog", "assignments_screen")},
    **{f"training_{name}": f"training.{name}" for name in (
        "asks", "calibration", "certification", "consensus", "drift", "drift_chart", "screen")},
}
MOVES: dict[str, str] = {
    **{f"rater.study.{k}": f"rater.study.{v}" for k, v in STUDY.items()},
    **{f"rater.ui.coordinator.{k}": f"rater.ui.coordinator.{v}" for k, v in COORDINATOR.items()},
    # Pieces both the rater's and the coordinator's screens use.
    "rater.ui.coordinator.tasks": "rater.ui.common.tasks",
    "rater.ui.rating.player_area": "rater.ui.common.player_area",
    "rater.ui.rating.export_ratings": "rater.ui.common.export_ratings",
}
MOVES = {k: v for k, v in MOVES.items() if k != v}
PACKAGES = {"assign", "recordings"}  # modules that become their folder's __init__
SUFFIXES = {".py", ".md", ".toml", ".sh", ".ini", ".cfg"}


def file_of(module: str, new: bool) -> str:
    path = module.replace(".", "/")
    if new and module.split(".")[-1] in PACKAGES and module.startswith("rater.study."):
        return path + "/__init__.py"
    return path + ".py"


def move() -> None:
    for old, new in MOVES.items():
        src, dst = ROOT / file_of(old, False), ROOT / file_of(new, True)
        if not src.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "mv", str(src), str(dst)], check=True)
    for old in ("rater.study.assign", "rater.study.recordings"):
        src = ROOT / file_of(old, False)
        if src.exists():
            dst = ROOT / file_of(old, True)
            dst.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "-C", str(ROOT), "mv", str(src), str(dst)], check=True)


FROM_IMPORT = re.compile(r"^(?P<indent>[ \t]*)from (?P<pkg>rater(?:\.\w+)+) import (?P<names>[^\n(]+?)[ \t]*$",
                         re.MULTILINE)


def _split_from_import(match: re.Match[str]) -> str:
    """``from rater.study import a, b as c``: moved modules get their own line from their new package."""
    indent, pkg = match["indent"], match["pkg"]
    names = [n.strip() for n in match["names"].split("#")[0].split(",") if n.strip()]
    if not any(f"{pkg}.{n.split(' as ')[0].strip()}" in MOVES for n in names):
        return match.group(0)
    stay, lines = [], []
    for entry in names:
        name, _, alias = (part.strip() for part in entry.partition(" as "))
        new = MOVES.get(f"{pkg}.{name}")
        if new is None:
            stay.append(entry)
            continue
        parent, _, base = new.rpartition(".")
        local = alias or name
        lines.append(f"{indent}from {parent} import {base}" + (f" as {local}" if local != base else ""))
    if stay:
        lines.insert(0, f"{indent}from {pkg} import {', '.join(stay)}")
    return "\n".join(lines)


DOTTED = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(MOVES, key=len, reverse=True)) + r")(?![\w])")
PATHS = {file_of(k, False): file_of(v, True) for k, v in MOVES.items()}
PATHS.update({file_of(k, False): file_of(k, True) for k in ("rater.study.assign", "rater.study.recordings")})
SLASHED = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(PATHS, key=len, reverse=True)) + r")")


def rewrite(text: str) -> str:
    text = FROM_IMPORT.sub(_split_from_import, text)
    text = DOTTED.sub(lambda m: MOVES[m.group(1)], text)
    return SLASHED.sub(lambda m: PATHS[m.group(1)], text)


def main(argv: list[str]) -> int:
    if "--move" in argv:
        argv.remove("--move")
        move()
    roots = [Path(a) for a in argv] or [ROOT]
    for root in roots:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.suffix in SUFFIXES]
        for path in files:
            if any(part in {".git", ".venv", "__pycache__"} for part in path.parts):
                continue
            if path.resolve() == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            new = rewrite(text)
            if new != text:
                path.write_text(new, encoding="utf-8")
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
