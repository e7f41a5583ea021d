"""Bad packages are refused with a clear message and change nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from sqlalchemy import select

from rater.pooling import PackageError, export_ratings, import_package, import_packages, import_study
from rater.storage import models as m
from rater.study.instruments import register_data

from .helpers import build_study, dump, queue, rate, scale


@pytest.fixture
def rated(lab, desktop, tmp_path):
    """(coordinator, ratings package of desk1 with two raters' ratings)."""
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    rate(desk, "R01", queue(desk, "R01")[0], {"q1": 1}, marks=((100, "m"),))
    rate(desk, "R02", queue(desk, "R02")[0], {"q1": 2}, submit=False)
    package = tmp_path / "ratings.srpkg"
    export_ratings(desk, package, study_id)
    return coordinator, package


def rewrite(src, dst, manifest=None, member=None):
    """Copy a package, replacing the manifest and/or the member's bytes (checksums left as they were)."""
    with zipfile.ZipFile(src) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    name = next(n for n in parts if n != "manifest.json")
    if manifest is not None:
        parts["manifest.json"] = json.dumps(manifest(json.loads(parts["manifest.json"]))).encode()
    if member is not None:
        parts[name] = member(parts[name])
    with zipfile.ZipFile(dst, "w") as zf:
        for key, data in parts.items():
            zf.writestr(key, data)
    return dst


def refused(db, path, match):
    before = dump(db)
    (result,) = import_packages(db, [path])
    assert result.status == "rejected"
    assert match in result.message, result.message
    assert dump(db) == before
    return result.message


def test_a_changed_member_is_detected_by_its_checksum(rated, tmp_path):
    db, package = rated
    tampered = rewrite(package, tmp_path / "t.srpkg", member=lambda b: b.replace(b'"value":1', b'"value":4'))
    refused(db, tampered, "was changed after it was exported")


def test_a_flipped_byte_in_the_file_is_refused(rated, tmp_path):
    db, package = rated
    data = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as zf:
        info = zf.getinfo("ratings.json")
    data[info.header_offset + 30 + len(info.filename) + 10] ^= 0x01  # inside the compressed member
    bad = tmp_path / "flipped.srpkg"
    bad.write_bytes(bytes(data))
    before = dump(db)
    (result,) = import_packages(db, [bad])
    assert result.status == "rejected" and ("damaged" in result.message or "changed" in result.message)
    assert dump(db) == before


def test_truncated_empty_and_foreign_files_are_refused(rated, tmp_path):
    db, package = rated
    data = package.read_bytes()
    (tmp_path / "half.srpkg").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.srpkg").write_bytes(b"")
    (tmp_path / "notes.srpkg").write_text("these are my notes, not a package")
    refused(db, tmp_path / "half.srpkg", "damaged (truncated or corrupted")
    refused(db, tmp_path / "empty.srpkg", "is empty (0 bytes)")
    refused(db, tmp_path / "notes.srpkg", "is not a Session Rater package")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8")
    refused(db, tmp_path / "other.zip", "no manifest")
    refused(db, tmp_path / "missing.srpkg", "cannot be read")


def test_newer_and_older_format_versions_are_refused(rated, tmp_path):
    db, package = rated
    newer = rewrite(package, tmp_path / "v2.srpkg", manifest=lambda mf: {**mf, "format_version": 2})
    older = rewrite(package, tmp_path / "v0.srpkg", manifest=lambda mf: {**mf, "format_version": 0})
    assert "newer Session Rater" in refused(db, newer, "format 2")
    assert "old package format 0" in refused(db, older, "Export the package again")


def test_a_study_package_is_not_a_ratings_package_and_back(lab, rated):
    coordinator, _, study_package = lab
    _, ratings_package = rated
    refused(coordinator, study_package, "is a study package, not a ratings package. Use: rater package import-study")
    with pytest.raises(PackageError, match="is a ratings package, not a study package. Use: rater package import\\.$"):
        import_study(coordinator, ratings_package)


def test_packages_of_another_study_are_refused(rated, make_db, tmp_path):
    _, package = rated
    other = make_db("other")
    build_study(other, tmp_path / "m2", raters=1, patients=1, sessions=1, code="ELSE")
    refused(other, package, "belongs to study POOL, which is not in this database")
    same_code = make_db("same-code")
    build_study(same_code, tmp_path / "m3", raters=1, patients=1, sessions=1, code="POOL")
    refused(same_code, package, "different study that is also called POOL")


def test_a_package_rated_with_another_instrument_version_is_refused(rated):
    coordinator, package = rated
    with coordinator.transaction() as s:  # the coordinator moved the study to version 1.1 meanwhile
        newer = register_data(s, scale("1.1"))
        for a in s.scalars(select(m.Assignment)):
            a.instrument_id = newer.id
    message = refused(coordinator, package, "rated with pool_scale version 1.0")
    assert "this study uses pool_scale version 1.1" in message
    with pytest.raises(PackageError):
        import_package(coordinator, package)


def resigned(src, dst, change):
    """A package whose content was edited *and* re-checksummed: only the content checks can catch it."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        data = json.loads(zf.read("ratings.json"))
    change(data)
    body = json.dumps(data).encode()
    manifest["members"]["ratings.json"]["sha256"] = hashlib.sha256(body).hexdigest()
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("ratings.json", body)
    return dst


def test_one_bad_rating_refuses_the_whole_package(rated, tmp_path):
    coordinator, package = rated

    def unknown_assignment(data):
        data["ratings"][1]["assignment_id"] = "00000000-0000-0000-0000-000000000000"

    refused(coordinator, resigned(package, tmp_path / "bad.srpkg", unknown_assignment),
            "an assignment this database does not have")


def test_malformed_content_is_refused(rated, tmp_path):
    coordinator, package = rated

    def bad_date(data):
        data["ratings"][1]["started_at"] = "yesterday"

    def no_scores(data):
        del data["ratings"][0]["scores"]

    refused(coordinator, resigned(package, tmp_path / "a.srpkg", bad_date), "content is malformed")
    refused(coordinator, resigned(package, tmp_path / "b.srpkg", no_scores), "a rating with missing fields")


def test_a_study_package_changed_inside_is_refused(lab, make_db, tmp_path):
    _, _, package = lab
    tampered = rewrite(package, tmp_path / "s.srpkg", member=lambda b: b.replace(b"Rater 2", b"Rater X"))
    desk = make_db("desk")
    with pytest.raises(PackageError, match="changed after it was exported"):
        import_study(desk, tampered)
    with desk.reading() as s:
        assert s.scalar(select(m.Study)) is None
