"""Issue 14's hostile and broken files, each a regression test, through the CLI where it matters.

Each file below gave a traceback, a hang or a broken collection before: now it
is refused with ``Error: <file>: ...`` (exit 1), or read, and the collection
it lands in keeps working.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import zstandard

from tests.fuzzing.corpus import NOW, build
from tokendeck.backup.snapshot import COMPRESSED_DATABASE, DATABASE
from tokendeck.cli import main
from tokendeck.collection import Collection
from tokendeck.errors import ImportFormatError, TooLargeError
from tokendeck.formats import registry

NOW_TEXT = NOW.isoformat()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of each zip format, written by TokenDeck from a small collection."""
    made = build(tmp_path_factory.mktemp("seeds"), anki=False)
    return {name: made[name][0] for name in ("apkg", "backup", "snapshot")}


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    """The user's own collection, which nothing refused may change."""
    path = tmp_path / "mine" / "collection.db"
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        col.add_note("Mine", "keep me", "please", now=NOW)
    return path


def run(db: Path, *args: str) -> tuple[int, str]:
    """Run ``tokendeck`` in-process as a user would; (exit code, everything it printed)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(["--db", str(db), "--now", NOW_TEXT, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
    printed = out.getvalue() + err.getvalue()
    assert "Traceback" not in printed
    return code, printed


def notes_in(db: Path) -> list[str]:
    with Collection.open(db, now=NOW, install_builtin=False) as col:
        return sorted(n.front for n in (col.note(c.note_id) for c in col.cards()))


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def write_zip(path: Path, content: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return path


def tampered_apkg(seed: Path, out: Path, *sql: str) -> Path:
    """The package with ``sql`` run on its collection (constraints dropped first if asked)."""
    content = members(seed)
    db = out.with_suffix(".anki2")
    db.write_bytes(content["collection.anki21"])
    with sqlite3.connect(db) as conn:
        for statement in sql:
            conn.execute(statement)
    content["collection.anki21"] = db.read_bytes()
    return write_zip(out, content)


def loosened(table: str) -> tuple[str, ...]:
    """SQL that drops a table's NOT NULL constraints (as a damaged file may lack them)."""
    return (
        f"CREATE TABLE loose AS SELECT * FROM {table}",
        f"DROP TABLE {table}",
        f"ALTER TABLE loose RENAME TO {table}",
    )


def backup_with(seed: Path, out: Path, change: Callable[[dict], str | None]) -> Path:
    content = members(seed)
    document = json.loads(content["tokendeck-backup.json"])
    text = change(document)
    content["tokendeck-backup.json"] = (text or json.dumps(document)).encode()
    return write_zip(out, content)


# -- text files ----------------------------------------------------------------------------------


def test_a_200000_character_csv_field(tmp_path: Path, mine: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("front,back\nhola," + "x" * 200_000 + "\n", encoding="utf-8")
    code, output = run(mine, "import", str(path))
    assert code == 1
    assert "big.csv, line 2: a field is longer than 131,072 characters" in output


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("c.md", "C: {{c99999999999999999999::x}}\n"),
        ("c.csv", "#separator:tab\n#notetype:Cloze\n{{c99999999999999999999::x}}\tback\n"),
    ],
)
def test_a_cloze_number_too_large_for_any_database(
    tmp_path: Path, mine: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, output = run(mine, "import", str(path))
    assert code == 1
    assert "note 1: cloze number c99999999999999999999 is too large (at most c500)" in output
    assert notes_in(mine) == ["keep me"]


def test_ten_thousand_bracket_clozes(tmp_path: Path, mine: Path) -> None:
    path = tmp_path / "many.md"
    path.write_text("C: " + " ".join(["[x]"] * 10_000) + "\n", encoding="utf-8")
    code, output = run(mine, "import", str(path))
    assert code == 1 and "line 1: more than 500 [...] clozes in one card" in output


def test_a_utf16_file_cut_in_the_middle_of_a_character(tmp_path: Path, mine: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"\xff\xfea\x00,\x00b")
    code, output = run(mine, "import", str(path))
    assert code == 1 and "starts like UTF-16 text" in output


# -- zips: bytes, methods, flags ---------------------------------------------------------------


def _deflated_start(path: Path, member: str) -> tuple[bytearray, int]:
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    return data, info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)


@pytest.mark.parametrize(
    ("kind", "member"), [("apkg", "collection.anki21"), ("backup", "tokendeck-backup.json")]
)
def test_one_flipped_byte_in_a_deflate_stream(
    seeds: dict[str, Path], tmp_path: Path, mine: Path, kind: str, member: str
) -> None:
    data, start = _deflated_start(seeds[kind], member)
    data[start] = 0xFF  # an invalid deflate block type: zlib.error where it was CRC before
    path = tmp_path / f"flipped{seeds[kind].suffix}"
    path.write_bytes(bytes(data))
    code, output = run(mine, "import", str(path))
    assert code == 1 and f"member '{member}' is corrupt" in output
    if kind == "backup":
        code, output = run(mine, "restore", str(path))
        assert code == 1 and "is corrupt" in output
    assert notes_in(mine) == ["keep me"]


@pytest.mark.parametrize(
    ("field", "value", "message"), [(6, 1, "is encrypted"), (8, 99, "method 99")]
)
@pytest.mark.parametrize("kind", ["apkg", "backup", "snapshot"])
def test_encrypted_members_and_unknown_compression(
    seeds: dict[str, Path],
    tmp_path: Path,
    mine: Path,
    kind: str,
    field: int,
    value: int,
    message: str,
) -> None:
    data = bytearray(seeds[kind].read_bytes())
    for magic, offset in ((b"PK\x03\x04", field), (b"PK\x01\x02", field + 2)):
        at = data.find(magic)
        while at >= 0:
            data[at + offset : at + offset + 2] = value.to_bytes(2, "little")
            at = data.find(magic, at + 4)
    path = tmp_path / f"odd{seeds[kind].suffix}"
    path.write_bytes(bytes(data))
    command = "restore" if kind == "snapshot" else "import"
    code, output = run(mine, command, str(path))
    assert code == 1 and message in output
    assert notes_in(mine) == ["keep me"]


# -- Anki collections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE col SET models = '{not json'", "its note types (col.models) are not as Anki"),
        ("UPDATE col SET decks = '[1,2'", "its decks (col.decks, col.dconf) are not as Anki"),
        ("UPDATE col SET decks = '{\"1\": 5}'", "its decks (col.decks, col.dconf) are not as Anki"),
    ],
)
def test_invalid_json_in_an_anki_collection(
    seeds: dict[str, Path], tmp_path: Path, mine: Path, sql: str, message: str
) -> None:
    path = tampered_apkg(seeds["apkg"], tmp_path / "bad.apkg", sql)
    code, output = run(mine, "import", str(path))
    assert code == 1 and message in output


def test_null_fields_in_an_anki_collection(seeds: dict[str, Path], tmp_path: Path) -> None:
    path = tampered_apkg(
        seeds["apkg"],
        tmp_path / "nulls.apkg",
        *loosened("notes"),
        *loosened("cards"),
        "UPDATE notes SET tags = NULL, guid = NULL, mid = mid",
        "UPDATE cards SET data = NULL, odid = NULL, left = NULL, due = NULL, ivl = 'text'",
    )
    _fmt, package = registry.read_file(path)
    assert package.notes and all(n.tags == [] for n in package.notes)
    nulled = tampered_apkg(
        seeds["apkg"], tmp_path / "nf.apkg", *loosened("notes"), "UPDATE notes SET flds = NULL"
    )
    with pytest.raises(ImportFormatError, match=r"every field is empty|the front is empty"):
        _fmt, package = registry.read_file(nulled)
        with Collection.open(tmp_path / "c.db", now=NOW, install_builtin=False) as col:
            col.import_package(package, now=NOW)


def test_huge_intervals_and_due_days(seeds: dict[str, Path], tmp_path: Path, mine: Path) -> None:
    biggest = 2**63 - 1
    path = tampered_apkg(
        seeds["apkg"],
        tmp_path / "huge.apkg",
        f"UPDATE cards SET type = 2, queue = 2, ivl = {biggest}, due = {biggest}",
        f"UPDATE revlog SET ivl = {biggest}, lastIvl = {-biggest}",
    )
    code, output = run(mine, "import", str(path))
    assert code == 0, output
    for command in (["next"], ["decks"], ["stats"]):  # and later commands still work
        assert run(mine, *command)[0] == 0


def test_a_300_character_media_name(seeds: dict[str, Path], tmp_path: Path, mine: Path) -> None:
    content = members(seeds["apkg"])
    name = "a" * 300 + ".png"
    content["media"] = json.dumps({"0": name}).encode()
    content["0"] = b"png"
    path = write_zip(tmp_path / "long.apkg", content)
    code, output = run(mine, "import", str(path))
    assert code == 1 and "is 304 bytes long; file names may have at most 255" in output
    assert not (mine.parent / "collection.media").exists()


def test_a_recursive_view_is_refused_without_running_it(
    seeds: dict[str, Path], tmp_path: Path, mine: Path
) -> None:
    path = tampered_apkg(
        seeds["apkg"],
        tmp_path / "view.apkg",
        "ALTER TABLE notes RENAME TO notes_real",
        "CREATE VIEW notes AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)"
        " SELECT x AS id, '' AS guid, 0 AS mid, '' AS tags, '' AS flds FROM r",
    )
    assert path.stat().st_size < 20_000
    code, output = run(mine, "import", str(path), "--dry-run")
    assert code == 1 and "holds a SQL view ('notes')" in output


# -- backups -------------------------------------------------------------------------------------


def _surrogate(document: dict) -> str:
    document["notes"][0]["front"] = "SURROGATE"
    return json.dumps(document).replace("SURROGATE", "\\ud800")


def _nested(document: dict) -> str:
    return json.dumps(document)[:-1] + ',"x":' + "[" * 100_000 + "]" * 100_000 + "}"


def _nan(document: dict) -> str:
    return json.dumps(document).replace('"reps": 0', '"reps": NaN', 1)


BAD_BACKUPS = [
    (_surrogate, "notes[0].front: tokendeck-backup.json holds a lone UTF-16 surrogate"),
    (_nested, "nested too deeply"),
    (
        lambda d: d["settings"].update(timezone="Mars/Phobos"),
        "settings.timezone: unknown time zone 'Mars/Phobos'",
    ),
    (lambda d: d["settings"].update(timezone="x" * 1_000_000), "settings.timezone:"),
    (
        lambda d: d["settings"].update(rollover_hour=99),
        "settings.rollover_hour: rollover hour 99",
    ),
    (
        lambda d: d["notes"][0].update(id=2**63),
        "notes[0].id: 9223372036854775808 is out of range",
    ),
    (lambda d: d["notes"][0]["cards"][0].update(reps=10**30), "notes[0].cards[0].reps"),
    (
        lambda d: d["notes"][0]["cards"][0].update(flag=9),
        "notes[0].cards[0].flag: 9 is not a flag",
    ),
    (_nan, "NaN is not a number"),
    # Found by make fuzz: options the scheduler could not use broke every later answer.
    (
        lambda d: d["decks"][0]["options"].update(leech_threshold={}),
        "decks[0].options: deck option leech_threshold must be a whole number",
    ),
    (
        lambda d: d["decks"][0]["options"].update(relearning_steps=[10**30]),
        "decks[0].options: learning steps must be positive and at most a year",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_BACKUPS)
@pytest.mark.parametrize("command", ["import", "restore"])
def test_a_bad_backup_is_refused_before_anything_is_written(
    seeds: dict[str, Path],
    tmp_path: Path,
    mine: Path,
    change: Callable[[dict], str | None],
    message: str,
    command: str,
) -> None:
    path = backup_with(seeds["backup"], tmp_path / "bad.zip", change)
    code, output = run(mine, command, str(path))
    assert code == 1 and message in output, output
    assert notes_in(mine) == ["keep me"]
    assert run(mine, "next")[0] == 0  # every later command still works
    assert not list((mine.parent / "backups").glob("*before-restore*"))


def test_a_backup_padded_with_a_gibibyte_of_spaces(
    seeds: dict[str, Path], tmp_path: Path, mine: Path
) -> None:
    document = members(seeds["backup"])["tokendeck-backup.json"]
    path = tmp_path / "spaces.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("tokendeck-backup.json", "w", force_zip64=True) as out,
    ):
        out.write(document[:-1])
        for _ in range(16):  # 256 MiB here; the 1 GiB is refused at the same point
            out.write(b" " * (16 << 20))
        out.write(b"}")
    assert path.stat().st_size < 1 << 20
    code, output = run(mine, "restore", str(path))
    assert code == 1 and "expands more than 100x" in output


# -- snapshots -----------------------------------------------------------------------------------


def unzstd(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def _snapshot_with(seed: Path, out: Path, *sql: str) -> Path:
    content = members(seed)
    database = (
        zstandard.ZstdDecompressor().decompressobj().decompress(content.pop(COMPRESSED_DATABASE))
    )
    db = out.with_suffix(".sqlite")
    db.write_bytes(database)
    with sqlite3.connect(db) as conn:
        for statement in sql:
            conn.execute(statement)
    content[DATABASE] = db.read_bytes()
    return write_zip(out, content, zipfile.ZIP_STORED)


OWN_SQL = [
    (
        "CREATE TRIGGER wipe AFTER INSERT ON reviews BEGIN DELETE FROM cards; END",
        "trigger ('wipe')",
    ),
    ("DROP TRIGGER notes_fts_insert", None),  # a bulk import drops it too: fine
    ("CREATE VIEW v AS SELECT 1", "SQL view ('v')"),
    ("CREATE TABLE extra (x CHECK (randomblob(10)))", "a table 'extra' that TokenDeck does not"),
]


@pytest.mark.parametrize(("sql", "message"), OWN_SQL)
def test_a_snapshot_carrying_sql_of_its_own(
    seeds: dict[str, Path], tmp_path: Path, mine: Path, sql: str, message: str | None
) -> None:
    path = _snapshot_with(seeds["snapshot"], tmp_path / "snap.zip", sql)
    code, output = run(mine, "restore", str(path))
    if message is None:
        assert code == 0, output
        return
    assert code == 1 and message in output, output
    assert notes_in(mine) == ["keep me"]
    assert not list((mine.parent / "backups").glob("*before-restore*"))


def test_a_snapshot_whose_trigger_was_rewritten(
    seeds: dict[str, Path], tmp_path: Path, mine: Path
) -> None:
    path = _snapshot_with(
        seeds["snapshot"],
        tmp_path / "snap.zip",
        "DROP TRIGGER notes_fts_insert",
        "CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN DELETE FROM reviews; END",
    )
    code, output = run(mine, "restore", str(path))
    assert code == 1 and "SQL trigger ('notes_fts_insert')" in output


def test_a_snapshot_bomb_writes_little_before_refusal(
    seeds: dict[str, Path], tmp_path: Path, mine: Path
) -> None:
    content = members(seeds["snapshot"])
    database = unzstd(content[COMPRESSED_DATABASE])
    stream = io.BytesIO()
    writer = zstandard.ZstdCompressor(level=19).stream_writer(stream, closefd=False)
    writer.write(database)
    for _ in range(16):
        writer.write(bytes(64 << 20))  # 1 GiB of zeros after the database
    writer.close()
    content[COMPRESSED_DATABASE] = stream.getvalue()
    path = write_zip(tmp_path / "bomb.zip", content, zipfile.ZIP_STORED)
    assert path.stat().st_size < 1 << 20
    code, output = run(mine, "restore", str(path))
    assert code == 1 and "more than 100x when decompressed" in output
    leftovers = [p for p in mine.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # the partial database was removed
    assert notes_in(mine) == ["keep me"]


def test_an_apkg_of_sixty_four_16_mib_members(seeds: dict[str, Path], tmp_path: Path) -> None:
    content = members(seeds["apkg"])
    content["media"] = json.dumps({str(i): f"m{i}.bin" for i in range(64)}).encode()
    block = bytes(16 << 20)
    path = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
        for i in range(4):  # four are enough: the first is refused
            archive.writestr(str(i), block)
    with pytest.raises(TooLargeError, match="member '0' expands more than 100x"):
        registry.read_file(path)


def test_anki_options_tokendeck_cannot_use_are_left_out(
    seeds: dict[str, Path], tmp_path: Path, mine: Path
) -> None:
    content = members(seeds["apkg"])
    db = tmp_path / "c.anki21"
    db.write_bytes(content["collection.anki21"])
    with sqlite3.connect(db) as conn:
        (dconf,) = conn.execute("SELECT dconf FROM col").fetchone()
        options = json.loads(dconf)
        for group in options.values():
            group["new"]["delays"] = [1e30]
            group["lapse"]["leechFails"] = {"x": 1}
        conn.execute("UPDATE col SET dconf = ?", (json.dumps(options),))
    content["collection.anki21"] = db.read_bytes()
    path = write_zip(tmp_path / "options.apkg", content)
    code, output = run(mine, "import", str(path))
    assert code == 0, output
    assert "option learning_steps" in output and "was left out" in output
    assert run(mine, "next")[0] == 0


BAD_DATA = [
    ("UPDATE decks SET config = '{\"leech\": '", "decks.config holds 3 value(s) that are not JSON"),
    ("UPDATE cards SET due = 'soon'", "cards.due holds"),
    (
        "UPDATE settings SET value = '\"Mars/Phobos\"' WHERE key = 'timezone'",
        "unknown time zone 'Mars/Phobos'",
    ),
    ("UPDATE decks SET config = '{\"leech_threshold\": {}}'", "has options TokenDeck cannot"),
    ("UPDATE cards SET flag = 9", "cards.flag holds"),
]


@pytest.mark.parametrize(("sql", "message"), BAD_DATA)
def test_a_snapshot_with_data_no_tokendeck_wrote(
    seeds: dict[str, Path], tmp_path: Path, mine: Path, sql: str, message: str
) -> None:
    """Found by make fuzz: restored, any of these broke every later command."""
    path = _snapshot_with(seeds["snapshot"], tmp_path / "snap.zip", sql)
    code, output = run(mine, "restore", str(path))
    assert code == 1 and message in output, output
    assert notes_in(mine) == ["keep me"]
    assert run(mine, "next")[0] == 0
