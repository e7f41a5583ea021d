"""Scanning a folder of recordings: which file belongs to which patient and session.

The session is read from the file name with a *pattern*, given either as

* a **template** such as ``{patient}_S{session}``: ``{patient}`` is a run of
  letters/digits, ``{session}`` a number, ``*`` any text; each of the
  separators ``_ - .`` and space matches any one of them, letters match in
  any case. The template must match the start of the name (without the
  extension); whatever follows must not continue a code or number, so
  ``P012_S03_audio`` and ``P012_S03 (copy)`` match ``{patient}_S{session}``; or
* a **regular expression** with the named groups ``patient`` and ``session``,
  searched (``re.search``, case-insensitive) in the name without its extension.

The default, :data:`DEFAULT_PATTERN`, reads ``P012_S03.mp4``,
``P012_S3_audio.m4a`` and ``p012-s03.MOV`` as patient P012, session 3.
Patient codes taken from names are upper-cased so ``p012`` and ``P012`` are
one patient.

Nothing is dropped silently: every file ends up matched or in one of the
report's lists. Two files for the same session and kind are *both* set aside
as a duplicate group (neither is imported) until the user picks one with
:meth:`ScanReport.choose`, because importing the wrong one of two would have
raters rate the wrong session without anyone noticing.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rater.study.errors import InvalidValue, NotFound
from rater.study.recordings.files import (
    FileIssue,
    RecordingEntry,
    check_readable,
    is_hidden,
    kind_for_suffix,
    name_is_text,
    printable,
)

log = logging.getLogger(__name__)

DEFAULT_PATTERN = r"(?<![a-z0-9])(?P<patient>[a-z]+\d+)[ _.-]*s(?P<session>\d+)(?![a-z0-9])"

_PLACEHOLDERS = {
    "patient": r"(?P<patient>[^\W_]+?)",
    "session": r"(?P<session>\d+)",
}
_TEMPLATE_TOKEN = re.compile(r"\{(\w*)\}|\*|[ _.-]|.", re.DOTALL)


class PatternError(InvalidValue):
    """A file-name pattern that cannot be used; the message says what to fix."""


def template_to_regex(template: str) -> str:
    """Translate a ``{patient}_S{session}`` template into an anchored regular expression."""
    parts = ["^"]
    seen = set()
    for token in _TEMPLATE_TOKEN.finditer(template):
        text, name = token.group(0), token.group(1)
        if name is not None:
            if name not in _PLACEHOLDERS:
                raise PatternError(f"Unknown placeholder {{{name}}} in {template!r}: use {{patient}} and {{session}}.")
            if name in seen:
                raise PatternError(f"{{{name}}} appears twice in {template!r}.")
            seen.add(name)
            parts.append(_PLACEHOLDERS[name])
        elif text == "*":
            parts.append(".*?")
        elif text in " _.-":
            parts.append("[ _.-]")
        else:
            parts.append(re.escape(text))
    # The next character must not continue the code or number ("S03x" is not session 3).
    parts.append(r"(?![^\W_])")
    return "".join(parts)


@dataclass(frozen=True)
class NamePattern:
    """A compiled file-name pattern; :meth:`parse` gives (patient, session) or None."""

    text: str
    regex: re.Pattern[str]

    def parse(self, file_name: str) -> tuple[str, int] | None:
        """(patient code, session number) read from a file name, or None if it does not match."""
        # macOS hands out decomposed (NFD) names: "é" would otherwise not equal "é".
        stem = unicodedata.normalize("NFC", Path(file_name).stem)
        found = self.regex.search(stem)
        if found is None:
            return None
        patient = found.group("patient").strip()
        session = found.group("session").strip()
        if not patient or not session.isdigit():
            return None
        return patient.upper(), int(session)


def compile_pattern(pattern: str | None = None) -> NamePattern:
    """Compile a template (contains ``{patient}``) or a regular expression (named groups)."""
    text = pattern or DEFAULT_PATTERN
    if "{patient}" in text or "{session}" in text:
        source = template_to_regex(text)
    else:
        source = text
    try:
        regex = re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise PatternError(f"The pattern {text!r} is not a valid regular expression: {exc}.") from None
    missing = {"patient", "session"} - set(regex.groupindex)
    if missing:
        raise PatternError(
            f"The pattern {text!r} does not say where the {' and '.join(sorted(missing))} is: "
            "use a template like {patient}_S{session} or a regular expression with "
            "(?P<patient>…) and (?P<session>…)."
        )
    return NamePattern(text, regex)


@dataclass
class DuplicateGroup:
    """Several files for one session and kind; none is imported until one is chosen."""

    patient: str
    session: int
    kind: str
    entries: list[RecordingEntry]


@dataclass
class ScanReport:
    """Every file found under ``folder``, sorted into exactly one list."""

    folder: Path
    pattern: str
    matched: list[RecordingEntry] = field(default_factory=list)
    unmatched: list[FileIssue] = field(default_factory=list)
    duplicates: list[DuplicateGroup] = field(default_factory=list)
    unreadable: list[FileIssue] = field(default_factory=list)
    empty: list[FileIssue] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)  # not media files
    hidden: list[Path] = field(default_factory=list)  # dot files and folders (.DS_Store, ._*.mp4)

    def choose(self, path: str | os.PathLike[str]) -> RecordingEntry:
        """Resolve a duplicate group by picking ``path``; the others stay un-imported."""
        wanted = Path(os.path.abspath(path))
        for group in self.duplicates:
            for entry in group.entries:
                if entry.path == wanted:
                    self.duplicates.remove(group)
                    self.matched.append(entry)
                    return entry
        raise NotFound(f"{path} is not one of the duplicate files of this scan.")


def scan_folder(folder: str | os.PathLike[str], pattern: str | None = None) -> ScanReport:
    """Walk ``folder`` (recursively, not following folder links) and sort every file."""
    root = Path(os.path.abspath(Path(folder).expanduser()))
    if not root.is_dir():
        raise NotFound(f"The folder {folder} does not exist or is not a folder.")
    name_pattern = compile_pattern(pattern)
    report = ScanReport(root, name_pattern.text)
    candidates: list[RecordingEntry] = []

    def folder_error(exc: OSError) -> None:
        report.unreadable.append(FileIssue(Path(exc.filename), f"folder cannot be read ({exc.strerror})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=folder_error):
        here = Path(dirpath)
        report.hidden.extend(here / d for d in dirnames if is_hidden(d))
        dirnames[:] = sorted(d for d in dirnames if not is_hidden(d))
        for name in sorted(filenames):
            entry = _classify(here / name, root, name_pattern, report)
            if entry is not None:
                candidates.append(entry)

    groups: dict[tuple[str, int, str], list[RecordingEntry]] = {}
    for entry in candidates:
        groups.setdefault(entry.key, []).append(entry)
    for entries in groups.values():
        if len(entries) == 1:
            report.matched.append(entries[0])
        else:
            first = entries[0]
            report.duplicates.append(DuplicateGroup(first.patient, first.session, first.kind, entries))
    log.info(
        "scanned %s: %d matched, %d unmatched, %d duplicate groups, %d unreadable, %d empty, %d ignored, %d hidden",
        root, len(report.matched), len(report.unmatched), len(report.duplicates), len(report.unreadable),
        len(report.empty), len(report.ignored), len(report.hidden),
    )
    return report


def _classify(path: Path, root: Path, pattern: NamePattern, report: ScanReport) -> RecordingEntry | None:
    """Put ``path`` into the right list of ``report``; return it if it is a candidate."""
    if is_hidden(path.name):
        report.hidden.append(path)
        return None
    kind = kind_for_suffix(path.suffix)
    if kind is None:
        report.ignored.append(path)
        return None
    try:
        info = path.stat()
    except OSError as exc:
        # A link pointing nowhere, or a file removed while we walk.
        report.unreadable.append(FileIssue(path, f"cannot be opened ({exc.strerror})"))
        return None
    if not stat.S_ISREG(info.st_mode):
        report.ignored.append(path)
        return None
    if not name_is_text(path):
        report.unreadable.append(FileIssue(path, f"the name \"{printable(path.name)}\" is not UTF-8 text and cannot "
                                                 "be stored; rename the file (or its folder) to import it"))
        return None
    if info.st_size == 0:
        report.empty.append(FileIssue(path, "empty file (0 bytes): an interrupted copy?"))
        return None
    try:
        check_readable(path)
    except OSError as exc:
        report.unreadable.append(FileIssue(path, f"cannot be read ({exc.strerror or exc})"))
        return None
    parsed = pattern.parse(path.name)
    if parsed is None:
        report.unmatched.append(FileIssue(path, "name does not match the pattern"))
        return None
    patient, session = parsed
    return RecordingEntry(path, patient, session, kind, info.st_size, source=path.relative_to(root).as_posix())
