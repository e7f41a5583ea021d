"""Shared checking of user-written files (instruments, study files).

tomllib keeps no source positions, so :class:`Locator` finds the line of a
path such as ``items[3].anchors`` by scanning the text — good enough to point
an author at the right place.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    location: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        where += f"column {self.column}, " if self.line and self.column else ""
        return f"{where}{self.location}: {self.message}"


class ValidationError(Exception):
    """A file is invalid; ``problems`` lists every finding."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


def read_text_file(path: Path, max_bytes: int, kind: str, error: type[ValidationError] = ValidationError) -> str:
    """The UTF-8 text of ``path``; ``error`` with one problem when it is missing, unreadable or too large.

    The size is checked before reading, so an oversized file is refused at once.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(str(path), [Problem("file", f"is {size / 1e6:.1f} MB; {kind} may be at most "
                                                    f"{max_bytes / 1e6:.0f} MB")])
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(str(path), [Problem("file", "not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(str(path), [Problem("file", f"cannot be read: {exc}")]) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes a one-problem ValidationError with line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(source, [_syntax_problem(str(exc), text)]) from None


def _syntax_problem(error: str, text: str) -> Problem:
    # tomllib puts the position only in its message: "Invalid value (at line 3, column 8)"
    # or "... (at end of document)".
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", error)
    if match:
        return Problem("syntax", error[: match.start()], int(match.group(1)), int(match.group(2)))
    if error.endswith("(at end of document)"):
        message = error.removesuffix("(at end of document)").strip()
        return Problem("syntax", f"{message} (the file ends too early)", max(1, len(text.splitlines())))
    return Problem("syntax", error)


def schema_problems(data: dict[str, Any], schema_path: Path, locate: Locator) -> list[Problem]:
    """Structural problems found by the JSON Schema at ``schema_path``."""
    import jsonschema  # imported here: only authoring and import need it

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        message = err.message
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            message = "unknown key(s): " + ", ".join(repr(k) for k in extra)
            path = path + extra[:1]
        problems.append(Problem(fmt_path(path) or "file", message, locate.line(path)))
    return problems


def fmt_path(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Locator:
    """Finds the source line of ``items[3]`` / ``scales[1].items`` in TOML text."""

    def __init__(self, text: str | None):
        self.lines = text.splitlines() if text else []
        # Header lines per array name, found once: a file with many problems
        # would otherwise be rescanned for each of them.
        self._headers: dict[str, list[int]] = {}

    def _header_lines(self, name: str) -> list[int]:
        if name not in self._headers:
            header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
            self._headers[name] = [n for n, text in enumerate(self.lines) if header.match(text)]
        return self._headers[name]

    def line(self, path: list[Any]) -> int | None:
        if not self.lines or not path:
            return None
        start = 0
        rest = path
        if len(path) >= 2 and isinstance(path[1], int):
            hits = self._header_lines(str(path[0]))
            if path[1] >= len(hits):
                return None
            start, rest = hits[path[1]], path[2:]
        elif isinstance(path[0], str):
            table = re.compile(rf"^\s*\[\s*{re.escape(path[0])}(\.|\s*\])")
            hits = [n for n, text in enumerate(self.lines) if table.match(text)]
            if hits:
                start, rest = hits[0], path[1:]
        for key in (k for k in rest if isinstance(k, str)):
            key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for n in range(start, len(self.lines)):
                if key_re.match(self.lines[n]):
                    start = n
                    break
        return start + 1
