"""Reading a CSV manifest that says which file is which session.

Columns (header names in any case and order): ``patient``, ``session``,
``path`` are required; ``kind`` (video/audio; default from the extension),
``date`` (YYYY-MM-DD) and ``priority`` (0 = preferred) are optional. Commas,
semicolons and tabs are accepted as separators because spreadsheet programs
in many locales save "CSV" with semicolons. A relative ``path`` is looked up
next to the manifest first, then under the media root.

A manifest is all or nothing: every bad row is reported with its line number
and, if there is one, nothing is imported.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rater.study.errors import StudyError
from rater.study.recordings.files import KINDS, RecordingEntry, check_readable, kind_for_suffix

log = logging.getLogger(__name__)

REQUIRED = ("patient", "session", "path")
OPTIONAL = ("kind", "date", "priority")


@dataclass(frozen=True)
class ManifestProblem:
    line: int  # 1 = the header line
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ManifestError(StudyError):
    """The manifest has problems; ``problems`` lists every one of them."""

    def __init__(self, manifest: Path, problems: list[ManifestProblem]):
        self.manifest = manifest
        self.problems = problems
        super().__init__(f"{manifest}: {len(problems)} problem(s); nothing was imported.\n"
                         + "\n".join(f"  {p}" for p in problems))


def _decode(raw: bytes) -> str:
    # Excel on Windows still saves "CSV" in the ANSI code page, not UTF-8.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_manifest(
    manifest: str | os.PathLike[str], media_root: str | os.PathLike[str] | None = None
) -> list[RecordingEntry]:
    """The entries of a manifest, or :class:`ManifestError` listing every bad row."""
    path = Path(os.path.abspath(Path(manifest).expanduser()))
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise ManifestError(path, [ManifestProblem(0, f"the manifest cannot be read ({exc.strerror})")]) from None
    except UnicodeDecodeError:
        raise ManifestError(path, [ManifestProblem(0, "the manifest is not a text (CSV) file")]) from None
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ManifestError(path, [ManifestProblem(1, f"missing column(s): {', '.join(missing)} "
                                                      f"(found: {', '.join(header) or 'nothing'})")])
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        log.info("manifest %s: ignoring extra column(s) %s", path, unknown)
    roots = [path.parent] + ([Path(media_root).expanduser()] if media_root else [])
    rows = _Rows(roots)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        rows.add(reader.line_num, cells)
    if rows.problems:
        raise ManifestError(path, rows.problems)
    if not rows.entries:
        raise ManifestError(path, [ManifestProblem(1, "the manifest lists no recordings")])
    return rows.entries


class _Rows:
    """Checks rows one by one, remembering what earlier rows claimed (for duplicates)."""

    def __init__(self, roots: list[Path]):
        self.roots = roots
        self.entries: list[RecordingEntry] = []
        self.problems: list[ManifestProblem] = []
        self._files: dict[Path, int] = {}
        self._slots: dict[tuple[str, int, str], int] = {}
        self._dates: dict[tuple[str, int], tuple[date, int]] = {}

    def add(self, line: int, cells: dict[str, str]) -> None:
        errors: list[str] = []
        patient = cells["patient"]
        if not patient:
            errors.append("patient code is empty")
        session = _session_number(cells["session"], errors)
        file, size = self._locate(cells["path"], errors)
        kind = _kind(cells.get("kind", ""), file, errors)
        when = _date(cells.get("date", ""), errors)
        priority = _priority(cells.get("priority", ""), errors)
        if not errors and file is not None and kind is not None and session is not None:
            self._check_duplicates(line, file, (patient.upper(), session, kind), when, errors)
        if errors:
            self.problems.extend(ManifestProblem(line, e) for e in errors)
            return
        self.entries.append(RecordingEntry(file, patient, session, kind, size, priority, when, f"line {line}"))

    def _locate(self, text: str, errors: list[str]) -> tuple[Path | None, int]:
        if not text:
            errors.append("path is empty")
            return None, 0
        given = Path(text).expanduser()
        candidates = [given] if given.is_absolute() else [root / given for root in self.roots]
        for candidate in candidates:
            if candidate.is_file():
                file = Path(os.path.abspath(candidate))
                size = file.stat().st_size
                if size == 0:
                    errors.append(f"{text}: empty file (0 bytes)")
                    return None, 0
                try:
                    check_readable(file)
                except OSError as exc:
                    errors.append(f"{text}: cannot be read ({exc.strerror or exc})")
                    return None, 0
                return file, size
        where = " or ".join(str(c) for c in candidates)
        errors.append(f"file not found: {text} (looked for {where})")
        return None, 0

    def _check_duplicates(self, line: int, file: Path, slot: tuple[str, int, str], when: date | None,
                          errors: list[str]) -> None:
        if file in self._files:
            errors.append(f"duplicate: the same file is listed on line {self._files[file]}")
        elif slot in self._slots:
            errors.append(f"duplicate: {slot[0]} session {slot[1]} already has a {slot[2]} "
                          f"recording on line {self._slots[slot]}")
        if when is not None:
            earlier = self._dates.get(slot[:2])
            if earlier is not None and earlier[0] != when:
                errors.append(f"date {when} differs from {earlier[0]} given for this session on line {earlier[1]}")
            self._dates.setdefault(slot[:2], (when, line))
        self._files.setdefault(file, line)
        self._slots.setdefault(slot, line)


def _session_number(text: str, errors: list[str]) -> int | None:
    digits = text[1:] if text[:1] in ("s", "S") else text
    if not digits.isdigit():
        errors.append(f"session {text!r} is not a session number (a whole number such as 3 or S03)")
        return None
    return int(digits)


def _kind(text: str, file: Path | None, errors: list[str]) -> str | None:
    if text:
        if text.lower() not in KINDS:
            errors.append(f"kind {text!r} is unknown (use video or audio)")
            return None
        return text.lower()
    if file is None:
        return None
    kind = kind_for_suffix(file.suffix)
    if kind is None:
        errors.append(f"{file.name} is not a known media type; give its kind (video or audio)")
    return kind


def _date(text: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"date {text!r} is not a date in the form YYYY-MM-DD")
        return None


def _priority(text: str, errors: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        errors.append(f"priority {text!r} is not 0 (preferred) or a higher whole number (fallback)")
        return None
    return int(text)
