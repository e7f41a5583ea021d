"""What a runtime install of Session Rater weighs on disk, package by package, beside a bare Qt app.

Usage: python bench/bench_install.py   (run with the interpreter of an installed venv)

Walks the runtime requirements of ``session-rater`` (no test tools) through the
installed distributions' metadata and adds up the files each one installed.
The floor is what a bare PySide6 ``QMainWindow`` needs: PySide6-Essentials
and shiboken6, measured the same way. Printed: each distribution, the total,
the floor and the ratio.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re

from packaging.requirements import Requirement


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_mb(dist: md.Distribution) -> float:
    total = 0
    for file in dist.files or []:
        try:
            total += os.path.getsize(file.locate())
        except OSError:
            pass  # listed but absent (e.g. a removed __pycache__ entry)
    return total / 1e6


def closure(name: str, extras: tuple[str, ...] = (), seen: dict[str, float] | None = None) -> dict[str, float]:
    """MB installed by ``name`` and everything it needs at run time."""
    seen = {} if seen is None else seen
    if _key(name) in seen:
        return seen
    dist = md.distribution(name)
    seen[_key(name)] = installed_mb(dist)
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in (extras or ("",))):
            continue
        closure(req.name, tuple(req.extras), seen)
    return seen


def main() -> None:
    app = closure("session-rater")
    floor = closure("PySide6-Essentials")
    for name, mb in sorted(app.items(), key=lambda kv: -kv[1]):
        print(f"  {mb:7.1f} MB  {name}")
    total, bare = sum(app.values()), sum(floor.values())
    print(f"runtime install: {total:.0f} MB in {len(app)} distributions")
    print(f"floor (a bare PySide6 QMainWindow: {', '.join(sorted(floor))}): {bare:.0f} MB")
    print(f"ratio app / floor: {total / bare:.2f}x")


if __name__ == "__main__":
    main()
