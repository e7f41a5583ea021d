"""IdIndex finds exactly the ids it was given, whether it holds them as numbers or as bytes."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from rater.study.reports.id_index import IdIndex, utf8

IDS = [str(uuid.UUID(int=(i * 7919 + 13) << 70 | i)) for i in range(300)]


def _index(ids: list[str]) -> IdIndex:
    return IdIndex([utf8(ids[:100]), utf8(ids[100:])])


@pytest.mark.parametrize(("ids", "as_numbers"), [
    (IDS, True),
    ([*IDS[:-1], "not-a-uuid ünïcode"], False),
    ([*IDS[:-1], IDS[0][:20] + "0" * 16], False),  # two UUIDs share their first 64 bits
], ids=["uuids", "other id", "shared first half"])
def test_every_id_is_found_at_its_number_and_nothing_else(ids, as_numbers):
    index = _index(ids)
    assert (index._sorted is None) == as_numbers
    assert index.codes(ids).tolist() == list(range(len(ids)))
    assert index.codes(list(reversed(ids))).tolist() == list(reversed(range(len(ids))))
    strangers = [str(uuid.uuid4()), ids[5].upper(), ids[5][:-1], ids[5] + "0", "", "short-" + ids[5],
                 ids[5].replace("-", "_")]
    assert index.codes(strangers).tolist() == [-1] * len(strangers)
    # Wanted ids in a wider array (padded with NULs) beside a longer one are still found.
    assert index.codes([ids[7], "x" * 50, ids[3]]).tolist() == [7, -1, 3]
    wanted = np.array([ids[9], ids[9], ids[2]], dtype="S36") if len(ids[9]) == 36 else utf8([ids[9]] * 2 + [ids[2]])
    assert index.codes_of_runs(wanted).tolist() == [9, 9, 2]


def test_an_empty_index_finds_nothing():
    index = IdIndex([])
    assert index.size == 0
    assert index.codes(IDS[:3]).tolist() == [-1, -1, -1]


def test_parts_turn_back_into_the_same_bytes_when_an_id_is_no_uuid():
    from rater.study.reports.id_index import IdParts, uuid_bytes, uuid_numbers

    ids = utf8(IDS)
    high, low, valid = uuid_numbers(ids)
    assert valid.all() and uuid_bytes(high, low).tolist() == ids.tolist()
    parts = IdParts()
    parts.add(ids[:100])
    parts.add(ids[100:200])
    parts.add(utf8(["not-a-uuid", IDS[200]]))  # the earlier parts are bytes again, unchanged
    assert parts.ids().tolist() == [*ids[:200].tolist(), b"not-a-uuid", IDS[200].encode()]
    assert parts.ids().size == 0  # emptied
