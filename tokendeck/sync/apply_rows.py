"""Applying settings, decks, note types, notes and deletions: per-field last writer wins.

Cards and reviews are :mod:`.apply_cards`; the rules themselves are :mod:`.merge`.
"""

from __future__ import annotations

from typing import Any

from tokendeck.domain.synced import NOTE_FIELDS
from tokendeck.storage.sync_named import NamedRows
from tokendeck.storage.sync_write import orphan_id
from tokendeck.sync.applying import Context
from tokendeck.sync.merge import Merged, dump_stamps, merge_fields, parse_stamps, survives
from tokendeck.sync.model import card_key, index, split_card_key

_N = index("notes")
Tomb = tuple[str, str, int, int | None, int | None, str]


def settings(ctx: Context, rows: list[tuple[Any, ...]]) -> None:
    """Settings, each one field (its value) with its stamp."""
    local = ctx.w.settings([r[0] for r in rows])
    for key, value, stamp in rows:
        stamp = int(stamp or 0)
        ctx.observe(stamp)
        mine = local.get(key)
        if mine is None:
            ctx.w.put_setting(key, value, stamp, *ctx.marks(None))
            ctx.result.count("settings")
            continue
        merged = merge_fields(
            ("value",),
            mine.values,
            {"value": int(mine.stamps)},
            {"value": value},
            {"value": stamp},
            incoming_wins_ties=not ctx.server,
        )
        if merged.changed or merged.kept or merged.stamps["value"] != int(mine.stamps):
            seq, origin = ctx.marks(merged)
            ctx.w.put_setting(key, merged.values["value"], merged.stamps["value"], seq, origin)
            ctx.result.merged += 1


def decks(ctx: Context, rows: list[tuple[Any, ...]]) -> None:
    """Decks by GUID (names unique regardless of case); see :func:`_named`."""
    _named(ctx, ctx.store.sync_decks, rows)


def note_types(ctx: Context, rows: list[tuple[Any, ...]]) -> None:
    """Note types by GUID (names unique exactly); see :func:`_named`."""
    _named(ctx, ctx.store.sync_note_types, rows)


def _named(ctx: Context, table: NamedRows, rows: list[tuple[Any, ...]]) -> None:
    """Named rows by GUID, merged field by field. A name taken by another row is resolved
    once, where it meets.

    Every row of the batch whose name changes first takes a placeholder name,
    so names that swap do not collide; then each takes its merged name. If a
    row outside the batch holds that name, the server renames the incoming
    row ("Spanish (2)", stamped so every device takes it) and a client renames
    its own row (a local edit it pushes next time): either way every replica
    ends with the server's names.
    """
    if not rows:
        return
    local = table.local()
    placed: list[tuple[int, dict[str, Any], dict[str, int], Merged | None]] = []
    for row in rows:
        guid, created_at, stamps = row[0], row[-2], row[-1]
        incoming = dict(zip(table.values, row[1:-2], strict=True))
        theirs = parse_stamps(stamps)
        ctx.observe(*theirs.values())
        mine = local.get(guid)
        if mine is None:
            hidden = {**incoming, "name": _placeholder(guid)}
            row_id = table.insert(guid, hidden, int(created_at), ctx.side.now_ms)
            placed.append((row_id, incoming, theirs, None))
            ctx.result.count(table.table)
            continue
        merged = merge_fields(
            table.values,
            mine.values,
            parse_stamps(mine.stamps),
            incoming,
            theirs,
            incoming_wins_ties=not ctx.server,
        )
        if merged.changed or merged.kept or dump_stamps(merged.stamps) != mine.stamps:
            if "name" in merged.changed:
                hidden = {**merged.values, "name": _placeholder(guid)}
                table.update(mine.id, hidden, ctx.side.now_ms)
            placed.append((mine.id, merged.values, merged.stamps, merged))
    names = table.names()
    for row_id, values, given, decided in placed:
        final, stamps, outcome = dict(values), dict(given), decided
        holder = names.get(table.fold(final["name"]))
        if holder is not None and holder != row_id:
            free = _free_name(final["name"], names, table)
            if ctx.server:
                final["name"] = free
                stamps["name"] = ctx.store.sync.tick(ctx.side.now_ms)
                outcome = outcome or Merged(final, stamps)
                outcome.kept.append("name")
            else:
                _rename_local(ctx, table, holder, free)
                names.pop(table.fold(values["name"]), None)
                names[table.fold(free)] = holder
        names[table.fold(final["name"])] = row_id
        table.update(row_id, final, ctx.side.now_ms)
        seq, origin = ctx.marks(outcome)
        ctx.w.mark(table.table, [(row_id, dump_stamps(stamps), seq, origin)])


def _rename_local(ctx: Context, table: NamedRows, row_id: int, name: str) -> None:
    """A client's own row makes way for the server's: renamed, as a local edit to push."""
    mine = next(r for r in table.local().values() if r.id == row_id)
    stamps = parse_stamps(mine.stamps)
    stamps["name"] = ctx.store.sync.tick(ctx.side.now_ms)
    table.update(row_id, {**mine.values, "name": name}, ctx.side.now_ms)
    ctx.w.mark(table.table, [(row_id, dump_stamps(stamps), None, "")])


def _free_name(name: str, taken: dict[str, int], table: NamedRows) -> str:
    n = 2
    while table.fold(f"{name} ({n})") in taken:
        n += 1
    return f"{name} ({n})"


def notes(ctx: Context, rows: list[tuple[Any, ...]]) -> None:
    """Notes by GUID: new ones inserted, known ones merged field by field."""
    if not rows:
        return
    guids = [r[_N["guid"]] for r in rows]
    local = ctx.w.notes(guids)
    gone = ctx.w.tombstones("note", guids)
    fresh: list[tuple[Any, ...]] = []
    marks: list[tuple[int, str, int | None, str]] = []
    for row in rows:
        guid = row[_N["guid"]]
        incoming = {f: row[_N[f]] for f in NOTE_FIELDS}
        theirs = parse_stamps(row[_N["stamps"]])
        ctx.observe(*theirs.values())
        created = int(row[_N["created_at"]])
        deletion = gone.get(guid)
        if not survives(created, None if deletion is None else deletion[0]):
            lost = [(k, v, theirs.get(k, 0)) for k, v in incoming.items() if theirs.get(k)]
            ctx.lost(guid, Merged(incoming, theirs, lost=lost), "deleted")
            continue
        mine = local.get(guid)
        if mine is None:
            seq, origin = ctx.marks(None)
            fresh.append(
                (guid, *(incoming[f] for f in NOTE_FIELDS), created,
                 int(row[_N["modified_at"]]), dump_stamps(theirs), seq, origin)
            )  # fmt: skip
            continue
        merged = merge_fields(
            NOTE_FIELDS,
            mine.values,
            parse_stamps(mine.stamps),
            incoming,
            theirs,
            incoming_wins_ties=not ctx.server,
        )
        ctx.lost(guid, merged)
        created_at = mine.created_at if ctx.server else created
        if merged.changed or created_at != mine.created_at:
            ctx.w.update_note(mine.id, merged.values, created_at, ctx.side.now_ms)
        seq, origin = ctx.marks(merged)
        stamps = dump_stamps(merged.stamps)
        if merged.changed or merged.kept or stamps != mine.stamps:
            marks.append((mine.id, stamps, seq, origin))
            ctx.result.merged += 1
    if fresh:
        ctx.w.insert_notes(fresh)
        ctx.result.count("notes", len(fresh))
    ctx.w.mark("notes", marks)


def tombstones(ctx: Context, rows: list[tuple[Any, ...]]) -> None:
    """Deletions of notes, cards and decks (undone reviews go with their cards).

    A row is deleted when it was created before the deletion; the tombstone is
    kept either way, so a version of the row still on its way is deleted too.
    """
    if not rows:
        return
    seq, origin = ctx.marks(None)
    kept: list[Tomb] = []
    notes_gone = _notes(ctx, [r for r in rows if r[0] == "note"], kept, seq, origin)
    cards_gone = _cards(ctx, [r for r in rows if r[0] == "card"], kept, seq, origin)
    ctx.w.delete("cards", cards_gone)
    ctx.w.delete("notes", notes_gone)
    local = ctx.store.sync_decks.local()
    for _, guid, deleted in [r for r in rows if r[0] == "deck"]:
        ctx.observe(int(deleted))
        mine = local.get(guid)
        local_id = None
        # A deck that still has cards here stays (deleting it would take the cards).
        if mine is not None and not survives(mine.created_at, int(deleted)):
            local_id = mine.id
            if not ctx.store.sync_decks.in_use(mine.id):
                ctx.w.delete("decks", [mine.id])
        kept.append(("deck", guid, int(deleted), local_id, seq, origin))
    ctx.w.put_tombstones(kept)
    ctx.result.deleted += len(notes_gone) + len(cards_gone)


def _notes(
    ctx: Context, rows: list[tuple[Any, ...]], kept: list[Tomb], seq: int | None, origin: str
) -> list[int]:
    local = ctx.w.notes([r[1] for r in rows])
    doomed = []
    for _, guid, deleted in rows:
        deleted = int(deleted)
        ctx.observe(deleted)
        mine = local.get(guid)
        if mine is not None and not survives(mine.created_at, deleted):
            doomed.append(mine.id)
            # Its cards keep a tombstone each, and their reviews their name.
            cards = [(c.id, card_key(guid, o)) for (_, o), c in ctx.w.cards_of([mine.id]).items()]
            ctx.w.retire_cards(cards)
            kept.extend(("card", key, deleted, orphan_id(key), seq, origin) for _, key in cards)
            ctx.w.delete("cards", [card_id for card_id, _ in cards])
        kept.append(("note", guid, deleted, None if mine is None else mine.id, seq, origin))
    return doomed


def _cards(
    ctx: Context, rows: list[tuple[Any, ...]], kept: list[Tomb], seq: int | None, origin: str
) -> list[int]:
    if not rows:
        return []
    keys = [split_card_key(r[1]) for r in rows]
    note_ids = ctx.w.note_ids(sorted({g for g, _ in keys}))
    cards = ctx.w.cards_of(sorted(set(note_ids.values())))
    doomed = []
    for (_, key, deleted), (guid, ordinal) in zip(rows, keys, strict=True):
        deleted = int(deleted)
        ctx.observe(deleted)
        card = cards.get((note_ids.get(guid, -1), ordinal))
        if card is not None and not survives(card.created_at, deleted):
            ctx.w.retire_cards([(card.id, key)])
            doomed.append(card.id)
        kept.append(("card", key, deleted, orphan_id(key), seq, origin))
    return doomed


def _placeholder(guid: str) -> str:
    """A deck's name while names are being moved about (no deck is called this)."""
    return f"~sync~{guid}"
