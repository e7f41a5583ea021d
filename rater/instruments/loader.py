"""Read and validate instrument files (TOML).

Validation runs in two passes: the JSON Schema in
``resources/instruments/instrument.schema.json`` checks structure (unknown keys,
types), then :func:`_semantic_problems` checks what a schema cannot express
(unique ids, anchors inside the range, scales naming known items, ordered
ranges). Every problem is reported with its location, so a
coordinator can fix a whole file in one pass.
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
from rater.validation import Locator, Problem, ValidationError, fmt_path, parse_toml, schema_problems

log = logging.getLogger(__name__)

SCHEMA_PATH = RESOURCES / "instruments" / "instrument.schema.json"


class InstrumentError(ValidationError):
    """An instrument file is invalid; ``problems`` lists every finding."""


def content_hash(data: dict[str, Any]) -> str:
    """Stable hash of an instrument's content (key order and formatting ignored)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_file(path: str | Path) -> tuple[Instrument, dict[str, Any]]:
    """Parse and validate ``path``; returns the instrument and its raw data."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(str(path), [Problem("file", "not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(str(path), [Problem("file", f"cannot be read: {exc}")]) from None
    return load_text(text, source=str(path))


def load_text(text: str, source: str = "<text>") -> tuple[Instrument, dict[str, Any]]:
    try:
        data = parse_toml(text, source)
    except ValidationError as err:
        raise InstrumentError(source, err.problems) from None
    problems = validate(data, text)
    if problems:
        raise InstrumentError(source, problems)
    return build(data), data


def load_data(data: dict[str, Any], source: str = "<data>") -> Instrument:
    """Build an instrument from already-parsed data (e.g. stored in the database)."""
    problems = validate(data)
    if problems:
        raise InstrumentError(source, problems)
    return build(data)


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

    items = [it for it in _list(data.get("items")) if isinstance(it, dict) and isinstance(it.get("id"), str)]
    item_ids = {it["id"] for it in items}
    seen_items: set[str] = set()
    for i, item in enumerate(_list(data.get("items"))):
        where = ["items", i]
        if item not in items:
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
        for r, rule in enumerate(_list(scale.get("recode"))):
            if isinstance(rule, dict) and _ints(rule.get("from"), rule.get("to")) and rule["from"] > rule["to"]:
                add(where + ["recode", r], f"'from' ({rule['from']}) is greater than 'to' ({rule['to']})")
        _check_rule(where, scale, len(scale_items), add)
        applies = _dict(scale.get("applies"))
        lo, hi = applies.get("session_min"), applies.get("session_max")
        if _ints(lo, hi) and lo > hi:
            add(where + ["applies"], f"session_min ({lo}) is greater than session_max ({hi})")
    return problems


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
    """The instrument files shipped in ``resources/instruments``."""
    return sorted((RESOURCES / "instruments").glob("*.toml"))
