"""Bounded fuzzing in every test run: mutated files of every format, and Hypothesis-made files.

A file may be read or refused with a TokenDeck error; a traceback or a stall
fails the test. ``make fuzz`` runs the same mutations at 10,000 files per
format (tests/fuzzing/run.py); these runs are a few seconds in all.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing.corpus import BY_NAME, TARGETS, build
from tests.fuzzing.harness import Checker
from tests.fuzzing.run import fuzz_format

#: Mutated files per format in the normal test run (make fuzz: 10,000).
FILES = 25
SEED = 14
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    return build(tmp_path_factory.mktemp("seeds"), anki=False)


@pytest.mark.parametrize("target", [t.name for t in TARGETS])
def test_mutated_files_are_read_or_refused_never_a_traceback(
    seeds: dict[str, list[Path]], tmp_path: Path, target: str
) -> None:
    tally = fuzz_format(target, seeds[target], FILES, seed=SEED, workdir=tmp_path)
    assert tally.files == FILES
    assert not tally.failures, "\n\n".join(tally.failures[:3])
    # Mutations that break everything test nothing: some files must still import.
    assert tally.kinds.get("imported", 0) > 0, tally.line()


@pytest.mark.anki
@pytest.mark.parametrize("target", ["apkg", "colpkg"])
def test_mutated_packages_made_by_anki(tmp_path: Path, target: str) -> None:
    pytest.importorskip("anki")
    made = build(tmp_path / "seeds", anki=True)
    anki_made = [p for p in made[target] if p.name.startswith("anki-")]
    assert anki_made
    tally = fuzz_format(target, anki_made, FILES, seed=SEED, workdir=tmp_path)
    assert not tally.failures, "\n\n".join(tally.failures[:3])


# -- Hypothesis: files built from scratch --------------------------------------------------------


def check(target: str, data: bytes) -> None:
    """Feed ``data`` as a file of ``target``; fail on anything but reading or refusing."""
    with tempfile.TemporaryDirectory(prefix="tokendeck-hypothesis-") as folder:
        path = Path(folder) / f"file{BY_NAME[target].suffix}"
        path.write_bytes(data)
        checker = Checker(BY_NAME[target], Path(folder) / "work")
        try:
            outcome = checker.check(path)
        finally:
            checker.close()
    assert not outcome.failed, outcome.detail


LINE_PIECES = st.sampled_from(
    ["\t", ",", ";", "|", '"', "\n", "\r\n", "#separator:tab", "#columns:Front\tBack",
     "#notetype:Cloze", "## ", "Q: ", "A: ", "C: ", "{{c1::", "}}", "{{c99999999999999999999::",
     "[x]", "deck: ", "tags: ", "kind: ", "\\", "\x00", "\ufeff", "é", "猫"]
)  # fmt: skip
TEXT = st.lists(st.one_of(LINE_PIECES, st.text(max_size=20)), max_size=60).map("".join)


@FUZZ
@given(text=TEXT, target=st.sampled_from(["csv", "quizlet", "markdown", "rawnotes"]))
def test_text_files(text: str, target: str) -> None:
    check(target, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=st.binary(max_size=2048), target=st.sampled_from([t.name for t in TARGETS]))
def test_arbitrary_bytes(data: bytes, target: str) -> None:
    check(target, data)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
NOTE_FIELDS = st.sampled_from(
    ["guid", "kind", "deck", "front", "back", "tags", "fields", "id", "cards", "created_at",
     "modified_at", "accepted"]
)  # fmt: skip
CARD = st.dictionaries(
    st.sampled_from(["ordinal", "state", "due", "reps", "lapses", "key", "stability", "reviews"]),
    JSON,
    max_size=6,
)
NOTE = st.dictionaries(NOTE_FIELDS, JSON, max_size=8).flatmap(
    lambda note: st.lists(CARD, max_size=2).map(lambda cards: {**note, "cards": cards})
)
DOCUMENT = st.fixed_dictionaries(
    {"format": st.just("tokendeck-backup"), "version": st.sampled_from([1, 2])},
    optional={
        "notes": st.lists(NOTE, max_size=3),
        "decks": st.lists(st.dictionaries(st.sampled_from(["name", "id", "options"]), JSON)),
        "settings": st.dictionaries(st.sampled_from(["timezone", "rollover_hour", "x"]), JSON),
        "media": st.lists(st.dictionaries(st.sampled_from(["name", "sha256"]), JSON), max_size=2),
    },
)


def zip_bytes(members: list[tuple[str, bytes]], method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name or "x"), data)
    return buffer.getvalue()


@FUZZ
@given(document=DOCUMENT, method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
def test_backup_documents(document: dict[str, Any], method: int) -> None:
    text = json.dumps(document, allow_nan=True).encode()
    check("backup", zip_bytes([("tokendeck-backup.json", text)], method))


MEMBER_NAMES = st.sampled_from(
    ["meta", "collection.anki2", "collection.anki21", "collection.anki21b", "media", "0", "1",
     "tokendeck-backup.json", "snapshot.json", "collection.sqlite", "collection.sqlite.zst",
     "media/a.png", "../x"]
)  # fmt: skip
MEMBER_DATA = st.one_of(
    st.binary(max_size=256),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.just(b"SQLite format 3\x00" + bytes(100)),
    st.just(b"\x28\xb5\x2f\xfd" + bytes(20)),
    st.just(b"\x08\x03"),
)


@FUZZ
@given(
    members=st.lists(st.tuples(MEMBER_NAMES, MEMBER_DATA), max_size=5),
    method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
    target=st.sampled_from(["apkg", "colpkg", "backup", "snapshot"]),
)
def test_archives_of_known_member_names(
    members: list[tuple[str, bytes]], method: int, target: str
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are part of the test
        data = zip_bytes(members, method)
    check(target, data)
