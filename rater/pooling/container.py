"""The package file: a zip holding ``manifest.json`` and one JSON member.

The manifest names the format and its version, the study, the software that
wrote it and the sha256 of every member, so a reader can refuse a file that
is foreign, from another format version, truncated or changed after export
before it looks at the content. Files are written with
:func:`rater.fileio.atomic_file` (a temporary file in the target folder,
fsynced and renamed into place): a crash never leaves a half-written package
under the real name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rater import __version__
from rater.fileio import atomic_file
from rater.pooling.errors import PackageError
from rater.storage.audit import desktop_name
from rater.storage.models import utcnow

log = logging.getLogger(__name__)

FORMAT_NAME = "session-rater-package"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Far above any real study (a 36-rater study's ratings are a few MB); refuses zip bombs.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
KIND_MEMBER = {"study": "study.json", "ratings": "ratings.json"}
KIND_LABEL = {"study": "a study package", "ratings": "a ratings package"}
KIND_COMMAND = {"study": "rater package import-study", "ratings": "rater package import"}


@dataclass(frozen=True)
class Package:
    """A package that passed every check: its manifest and decoded payload."""

    path: Path
    manifest: dict[str, Any]
    payload: dict[str, Any]

    @property
    def id(self) -> str:
        return self.manifest["package_id"]

    @property
    def study_id(self) -> str:
        return self.manifest["study_id"]


def to_json(data: Any) -> bytes:
    """Canonical JSON (sorted keys, no spaces) so equal content gives equal checksums."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a package")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_package(path: str | os.PathLike[str], kind: str, study: dict[str, Any], payload: dict[str, Any],
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write a package of ``kind`` atomically; returns its manifest."""
    member = KIND_MEMBER[kind]
    body = to_json(payload)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "package_id": str(uuid.uuid4()),
        "study_id": study["id"],
        "study_code": study["code"],
        "created_at": utcnow(),
        "software_version": __version__,
        "desktop": desktop_name(),
        "members": {member: {"sha256": sha256(body), "size": len(body)}},
        **(extra or {}),
    }
    target = Path(path)
    # A package is meant to be copied and read by others, so not the temporary file's private 0600.
    with (atomic_file(target, "wb", permissions=0o644) as raw,
          zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf):
        zf.writestr(MANIFEST, to_json(manifest))
        zf.writestr(member, body)
    log.info("wrote %s package %s (%d bytes of %s)", kind, target, len(body), member)
    return json.loads(to_json(manifest))


def read_package(path: str | os.PathLike[str], kind: str) -> Package:
    """Open and verify a package of ``kind``; raises :class:`PackageError` for any problem."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PackageError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    if size == 0:
        raise PackageError(f"{name} is empty (0 bytes), probably an interrupted copy. Copy the package again.")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _manifest(zf, name, kind)
            payload = _payload(zf, name, manifest)
    # zlib and EOF errors come from a damaged compressed member, NotImplementedError from a foreign method.
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise PackageError(
            f"{name} is not a Session Rater package or is damaged (truncated or corrupted: {exc}). "
            "Copy the package again from the desktop that made it."
        ) from None
    except OSError as exc:
        raise PackageError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    study = payload.get("study")
    if not isinstance(study, dict) or study.get("id") != manifest.get("study_id"):
        raise PackageError(f"{name}: the manifest and the content name different studies; the file was changed.")
    return Package(path, manifest, payload)


def _read_member(zf: zipfile.ZipFile, member: str, name: str) -> bytes:
    info = zf.getinfo(member)
    if info.file_size > MAX_MEMBER_BYTES:
        raise PackageError(f"{name}: {member} is implausibly large ({info.file_size} bytes); refused.")
    return zf.read(member)


def _manifest(zf: zipfile.ZipFile, name: str, kind: str) -> dict[str, Any]:
    if MANIFEST not in zf.namelist():
        raise PackageError(f"{name} is not a Session Rater package (it has no manifest).")
    try:
        manifest = json.loads(_read_member(zf, MANIFEST, name))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageError(f"{name}: the manifest is damaged (not readable JSON).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise PackageError(f"{name} is not a Session Rater package (unknown format).")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise PackageError(f"{name}: the manifest has no valid format version.")
    if version > FORMAT_VERSION:
        raise PackageError(
            f"{name} was written by a newer Session Rater (package format {version}; this program reads "
            f"format {FORMAT_VERSION}). Update Session Rater on this computer, then import it again."
        )
    if version < FORMAT_VERSION:
        raise PackageError(
            f"{name} uses the old package format {version}, which this version no longer reads "
            f"(it reads format {FORMAT_VERSION}). Export the package again with the current Session Rater."
        )
    found = manifest.get("kind")
    if found != kind:
        label = KIND_LABEL.get(found, f"a {found!r} package")
        hint = f" Use: {KIND_COMMAND[found]}." if found in KIND_COMMAND else ""
        raise PackageError(f"{name} is {label}, not {KIND_LABEL[kind]}.{hint}")
    for key in ("package_id", "study_id", "study_code", "members"):
        if key not in manifest:
            raise PackageError(f"{name}: the manifest lacks {key!r}; the file is damaged.")
    return manifest


def _payload(zf: zipfile.ZipFile, name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    member = KIND_MEMBER[manifest["kind"]]
    members = manifest["members"]
    if not isinstance(members, dict) or set(members) != {member}:
        raise PackageError(f"{name}: the manifest lists unexpected members; the file was changed.")
    present = set(zf.namelist()) - {MANIFEST}
    if present != {member}:
        missing, extra = {member} - present, present - {member}
        what = f"missing {', '.join(sorted(missing))}" if missing else f"unexpected {', '.join(sorted(extra))}"
        raise PackageError(f"{name}: the package is incomplete or was changed ({what}).")
    body = _read_member(zf, member, name)
    if sha256(body) != members[member].get("sha256"):
        raise PackageError(
            f"{name} was changed after it was exported (the checksum of {member} does not match the "
            "manifest). Nothing was imported; export the package again on the desktop that made it."
        )
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageError(f"{name}: {member} is not readable JSON.") from None
    if not isinstance(payload, dict):
        raise PackageError(f"{name}: {member} has an unexpected structure.")
    return payload
