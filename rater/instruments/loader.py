"""Read and validate instrument files (TOML).

Validation runs in two passes: the JSON Schema in
``rater/resources/instruments/instrument.schema.json`` checks structure (unknown keys,
types), then :func:`_semantic_problems` checks what a schema cannot express
(unique ids, anchors inside the range, scales naming known items, ordered
ranges, recode rules that map every value of their items exactly once).
Every problem is reported with its location, so a coordinator can fix a whole
file in one pass.

A file larger than :data:`MAX_FILE_BYTES` or with more than :data:`MAX_ITEMS`
items is refused before it is validated: no rating form has that many items,
and checking such a file would take minutes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from rater.instruments.model import Applicability, Instrument, Item, RecodeRule, Scale, ScoringRule
from rater.paths import RESOURCES
from rater.validation import Locator, Problem, ValidationError, fmt_path, parse_toml, read_text_file, schema_problems

log = logging.getLogger(__name__)

SCHEMA_PATH = RESOURCES / "instruments" / "instrument.schema.json"
# The shipped scales are under 5 KB; the longest published observer scales have a
# few hundred items. These limits leave a wide margin and keep checking instant.
MAX_FILE_BYTES = 1_000_000
MAX_ITEMS = 1_000
MAX_VALUES = 101


class InstrumentError(ValidationError):
    """An instrument file is invalid; ``problems`` lists every finding."""


def content_hash(data: dict[str, Any]) -> str:
    """Stable hash of an instrument's content (key order and formatting ignored)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_file(path: str | Path) -> tuple[Instrument, dict[str, Any]]:
    """Parse and validate ``path``; returns the instrument and its raw data."""
    path = Path(path)
    text = read_text_file(path, MAX_FILE_BYTES, "an instrument file", InstrumentError)
    return load_text(text, source=str(path))


def load_text(text: str, source: str = "<text>") -> tuple[Instrument, dict[str, Any]]:
    """Parse and validate instrument text; InstrumentError lists every problem."""
    if len(text) > MAX_FILE_BYTES:
        raise InstrumentError(source, [Problem("file", f"has {len(text):,} characters; an instrument file may have "
                                                       f"at most {MAX_FILE_BYTES:,}")])
    try:
        data = parse_toml(text, source)
    except ValidationError as err:
        raise InstrumentError(source, err.problems) from None
    problems = _size_problems(data) or validate(data, text)
    if problems:
        raise InstrumentError(source, problems)
    return build(data), data


def load_data(data: dict[str, Any], source: str = "<data>") -> Instrument:
    """Build an instrument from already-parsed data (e.g. stored in the database)."""
    problems = validate(data)
    if problems:
        raise InstrumentError(source, problems)
    return build(data)


def _size_problems(data: dict[str, Any]) -> list[Problem]:
    count = len(_list(data.get("items")))
    if count > MAX_ITEMS:
        return [Problem("items", f"{count:,} items; an instrument may have at most {MAX_ITEMS:,} "
                                 "(the file was not checked further)")]
    return []


def validate(data: dict[str, Any], text: str | None = None) -> list[Problem]:
    """Every structural and semantic problem in ``data``."""
    locate = Locator(text)
    problems = schema_problems(data, SCHEMA_PATH, locate)
    # Semantic checks look only at parts that passed the schema, so one run
    # reports structural and semantic problems together.
    seen = {(p.location, p.message) for p in problems}
    problems += [p for p in _semantic_problems(data, locate) if (p.location, p.message) not in seen]
    return problems


def _semantic_problems(data: dict[str, Any], locate: Locator) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: list[Any], message: str) -> None:
        problems.append(Problem(fmt_path(path), message, locate.line(path)))

    responses = {k: v for k, v in _dict(data.get("responses")).items() if _is_range(v)}
    for name, resp in responses.items():
        _check_range(["responses", name], resp, add)

    item_ranges: dict[str, tuple[int, int]] = {}  # id -> (min, max), for the recode checks
    seen_items: set[str] = set()
    for i, item in enumerate(_list(data.get("items"))):
        where = ["items", i]
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
            continue
        if item["id"] in seen_items:
            add(where + ["id"], f"duplicate item id {item['id']!r}")
        seen_items.add(item["id"])
        resolved = _resolve_response(item, responses)
        if isinstance(resolved, str):
            add(where, resolved)
            continue
        if _is_range(resolved):
            _check_range(where, resolved, add)
            item_ranges.setdefault(item["id"], (resolved["min"], resolved["max"]))
    item_ids = seen_items

    seen_scales: set[str] = set()
    for s, scale in enumerate(_list(data.get("scales"))):
        where = ["scales", s]
        if not isinstance(scale, dict):
            continue
        if scale.get("id") in seen_scales:
            add(where + ["id"], f"duplicate scale id {scale['id']!r}")
        seen_scales.add(scale.get("id"))
        scale_items = [x for x in _list(scale.get("items")) if isinstance(x, str)]
        for j, item_id in enumerate(scale_items):
            if item_id not in item_ids:
                add(where + ["items", j], f"unknown item {item_id!r}")
        if len(set(scale_items)) != len(scale_items):
            add(where + ["items"], "an item is listed more than once")
        _check_recode(where, _list(scale.get("recode")), [(i, item_ranges[i]) for i in scale_items
                                                          if i in item_ranges], add)
        _check_rule(where, scale, len(scale_items), add)
        applies = _dict(scale.get("applies"))
        lo, hi = applies.get("session_min"), applies.get("session_max")
        if _ints(lo, hi) and lo > hi:
            add(where + ["applies"], f"session_min ({lo}) is greater than session_max ({hi})")
    return problems


def _check_recode(where: list[Any], rules: list[Any], items: list[tuple[str, tuple[int, int]]], add) -> None:
    """Each rule inside its items' values; together they map every value of every item exactly once.

    Works on intervals, never value by value, so a huge range costs nothing.
    """
    ranges: list[tuple[int, int, int]] = []  # (from, to, rule index)
    for r, rule in enumerate(rules):
        if not (isinstance(rule, dict) and _ints(rule.get("from"), rule.get("to"))):
            continue
        lo, hi = rule["from"], rule["to"]
        if lo > hi:
            add(where + ["recode", r], f"'from' ({lo}) is greater than 'to' ({hi})")
            continue
        ranges.append((lo, hi, r))
    if not rules or not items:
        return
    lowest, highest = min(lo for _, (lo, _) in items), max(hi for _, (_, hi) in items)
    for lo, hi, r in ranges:
        if lo < lowest or hi > highest:
            add(where + ["recode", r], f"range {lo}–{hi} goes outside the items' values {lowest}–{highest}")
    ranges.sort()
    # Compared with the earlier rule that reaches furthest, so a wide rule
    # overlapping several later ones is reported for each.
    reach: tuple[int, int] | None = None  # (highest 'to' so far, its rule index)
    for lo, hi, r in ranges:
        if reach is not None and lo <= reach[0]:
            top = min(hi, reach[0])
            both = f"{lo}" if lo == top else f"{lo}–{top}"
            add(where + ["recode", r], f"overlaps recode[{reach[1]}]: value(s) {both} are mapped twice")
        if reach is None or hi > reach[0]:
            reach = (hi, r)
    for item_id, (lo, hi) in items:
        gaps = _gaps(lo, hi, [(a, b) for a, b, _ in ranges])
        if gaps:
            text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in gaps)
            add(where + ["recode"], f"value(s) {text} of item {item_id!r} are not mapped by any recode rule")


def _gaps(lo: int, hi: int, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Stretches of ``lo..hi`` that no range in ``ranges`` (sorted by start) covers."""
    gaps, nxt = [], lo
    for a, b in ranges:
        if a > nxt and nxt <= hi:
            gaps.append((nxt, min(a - 1, hi)))
        nxt = max(nxt, b + 1)
    if nxt <= hi:
        gaps.append((nxt, hi))
    return gaps


def _check_rule(where: list[Any], scale: dict[str, Any], n_items: int, add) -> None:
    """The missing-data rule must be one of the two keys and able to be met."""
    if "min_items" in scale and "min_fraction" in scale:
        add(where, "give either min_items or min_fraction, not both")
    min_items = scale.get("min_items")
    if _ints(min_items) and n_items and min_items > n_items:
        add(where + ["min_items"], f"min_items ({min_items}) is larger than the scale's {n_items} items: "
                                   "no rating could ever be scored")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _is_range(resp: Any) -> bool:
    return isinstance(resp, dict) and _ints(resp.get("min"), resp.get("max")) and isinstance(
        resp.get("anchors", {}), dict
    )


def _resolve_response(item: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any] | str:
    """The item's min/max/anchors, from its named response set and its own keys."""
    base: dict[str, Any] = {}
    if "response" in item:
        if item["response"] not in _dict(responses):
            return f"unknown response set {item['response']!r}"
        base = dict(responses[item["response"]])
    for key in ("min", "max", "anchors"):
        if key in item:
            base[key] = item[key]
    if "min" not in base or "max" not in base:
        return "needs 'min' and 'max' (or a 'response' set that has them)"
    return base


def _check_range(where: list[Any], resp: dict[str, Any], add) -> None:
    lo, hi = resp["min"], resp["max"]
    if lo >= hi:
        add(where, f"min ({lo}) must be less than max ({hi})")
        return
    if hi - lo + 1 > MAX_VALUES:
        # The form shows one button per value.
        add(where, f"{lo}–{hi} has {hi - lo + 1:,} values; an item may have at most {MAX_VALUES} (e.g. 0–100)")
        return
    for key in resp.get("anchors", {}):
        if re.fullmatch(r"-?[0-9]+", str(key)) and not lo <= int(key) <= hi:
            add(where + ["anchors", key], f"anchor {key} is outside the range {lo}–{hi}")


def build(data: dict[str, Any]) -> Instrument:
    """Turn validated data into an :class:`Instrument`."""
    responses = data.get("responses", {})
    items = []
    for raw in data["items"]:
        resp = _resolve_response(raw, responses)
        assert isinstance(resp, dict)
        items.append(
            Item(
                id=raw["id"],
                text=raw["text"],
                help=raw.get("help", ""),
                min=resp["min"],
                max=resp["max"],
                anchors={int(k): v for k, v in resp.get("anchors", {}).items()},
                na_allowed=raw.get("na_allowed", False),
                required=raw.get("required", True),
            )
        )
    scales = []
    for raw in data["scales"]:
        applies = raw.get("applies", {})
        scales.append(
            Scale(
                id=raw["id"],
                name=raw["name"],
                items=tuple(raw["items"]),
                method=raw["method"],
                recode=tuple(RecodeRule(r["from"], r["to"], r["value"]) for r in raw.get("recode", [])),
                applies=Applicability(
                    applies.get("session_min"), applies.get("session_max"), applies.get("reason", "")
                ),
                description=raw.get("description", ""),
                rule=ScoringRule(raw.get("min_items"), raw.get("min_fraction")),
            )
        )
    return Instrument(
        id=data["id"],
        version=data["version"],
        name=data["name"],
        description=data.get("description", ""),
        items=tuple(items),
        scales=tuple(scales),
        instructions=data.get("instructions", ""),
    )


def bundled_instrument_files() -> list[Path]:
    """The instrument files shipped in ``rater/resources/instruments``."""
    return sorted((RESOURCES / "instruments").glob("*.toml"))
