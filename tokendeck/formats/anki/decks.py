"""Anki decks and their option groups, as TokenDeck deck records.

Only the options TokenDeck has (``tokendeck.domain.decks.DeckConfig``) are carried
over; Anki's learning steps are minutes, ours are seconds. Filtered decks
are not decks of their own here: their cards go back to their home decks.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from tokendeck.domain.decks import DeckConfig
from tokendeck.errors import ValidationError
from tokendeck.formats.anki import protobuf
from tokendeck.transfer.package import DeckRecord


@dataclass(frozen=True)
class AnkiDeck:
    """One Anki deck: its name, description and option group."""

    id: int
    name: str
    description: str = ""
    config_id: int = 1
    filtered: bool = False


def from_schema11(
    decks_json: str, dconf_json: str
) -> tuple[list[AnkiDeck], dict[int, dict[str, Any]]]:
    """Decks and options from ``col.decks`` / ``col.dconf`` JSON (schema 11)."""
    decks = [
        AnkiDeck(
            id=int(d.get("id") or key),
            name=str(d.get("name", "")),
            description=str(d.get("desc") or ""),
            config_id=int(d.get("conf") or 1),
            filtered=bool(d.get("dyn")),
        )
        for key, d in json.loads(decks_json or "{}").items()
    ]
    configs = {
        int(c.get("id") or k): _options11(c) for k, c in json.loads(dconf_json or "{}").items()
    }
    return decks, configs


def _options11(conf: dict[str, Any]) -> dict[str, Any]:
    new, rev, lapse = conf.get("new", {}), conf.get("rev", {}), conf.get("lapse", {})
    options: dict[str, Any] = {
        "new_per_day": new.get("perDay"),
        "reviews_per_day": rev.get("perDay"),
        "learning_steps": _seconds(new.get("delays")),
        "relearning_steps": _seconds(lapse.get("delays")),
        "maximum_interval": rev.get("maxIvl"),
        "leech_threshold": lapse.get("leechFails"),
        "desired_retention": conf.get("desiredRetention"),
        "fsrs_parameters": conf.get("fsrsParams6") or None,
    }
    return {k: v for k, v in options.items() if v not in (None, [], ())}


def _seconds(minutes: Any) -> list[float] | None:
    if not isinstance(minutes, list):
        return None
    return [round(float(m) * 60, 3) for m in minutes]


def from_schema18(
    deck_rows: list[tuple[int, str, bytes]], config_rows: list[tuple[int, str, bytes]]
) -> tuple[list[AnkiDeck], dict[int, dict[str, Any]]]:
    """Decks and options from the ``decks`` / ``deck_config`` tables (schema 18)."""
    decks = [_deck18(did, name, bytes(kind)) for did, name, kind in deck_rows]
    configs = {cid: _options18(bytes(config)) for cid, _name, config in config_rows}
    return decks, configs


def _deck18(did: int, name: str, kind: bytes) -> AnkiDeck:
    container = protobuf.fields(kind)
    normal = protobuf.first_bytes(container, 1)
    grouped = protobuf.fields(normal)
    return AnkiDeck(
        id=did,
        # Schema 18 stores the "::" separator as the unit separator.
        name=name.replace("\x1f", "::"),
        description=protobuf.first_str(grouped, 4),
        config_id=protobuf.first_int(grouped, 1, default=1),
        filtered=2 in container,
    )


def _options18(config: bytes) -> dict[str, Any]:
    g = protobuf.fields(config)
    options: dict[str, Any] = {
        "new_per_day": protobuf.first_int(g, 9, default=-1),
        "reviews_per_day": protobuf.first_int(g, 10, default=-1),
        "learning_steps": _seconds(_floats(g.get(1, []))),
        "relearning_steps": _seconds(_floats(g.get(2, []))),
        "maximum_interval": protobuf.first_int(g, 16, default=-1),
        "leech_threshold": protobuf.first_int(g, 22, default=-1),
        "desired_retention": _float_or_none(g.get(37, [])),
        "fsrs_parameters": _floats(g.get(6, [])) or None,
    }
    return {k: v for k, v in options.items() if v not in (None, -1, [])}


def _floats(values: list[protobuf.Value]) -> list[float]:
    out: list[float] = []
    for value in values:
        if isinstance(value, bytes):  # packed repeated float
            out.extend(
                round(f, 6) for (f,) in struct.iter_unpack("<f", value[: len(value) // 4 * 4])
            )
        else:
            out.append(round(protobuf.float32(value), 6))
    return out


def _float_or_none(values: list[protobuf.Value]) -> float | None:
    floats = _floats(values)
    return floats[0] if floats else None


def deck_records(
    decks: list[AnkiDeck], configs: dict[int, dict[str, Any]], warnings: list[str] | None = None
) -> list[DeckRecord]:
    """TokenDeck deck records for the normal (non-filtered) decks, parents first.

    An option TokenDeck cannot use (a step of a century, a limit that is not a
    number) is left out, with a warning, rather than refusing the whole package.
    """
    records = [
        DeckRecord(
            name=d.name,
            description=d.description,
            options=usable_options(configs.get(d.config_id, {}), d.name, warnings),
        )
        for d in sorted(decks, key=lambda d: d.name)
        if not d.filtered and d.name
    ]
    return records


def usable_options(
    options: dict[str, Any], deck: str, warnings: list[str] | None = None
) -> dict[str, Any]:
    """The options that TokenDeck's deck settings accept, one by one."""
    kept = {}
    for key, value in options.items():
        try:
            DeckConfig().updated(**{key: value})
        except (ValidationError, TypeError):
            if warnings is not None:
                warnings.append(f"deck {deck!r}: option {key} = {value!r:.40} was left out")
            continue
        kept[key] = value
    return kept
