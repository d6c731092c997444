"""``tokendeck evaluate / optimize / simulate`` end to end (real CSV, real collection)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokendeck.cli import cli
from tokendeck.collection import Collection
from tokendeck.errors import ValidationError
from tokendeck.memory.revlogs import read
from tokendeck.transfer.package import CardRecord, NoteRecord, Package, ReviewRecord

DATA = Path(__file__).parent / "data" / "review-logs" / "anki-user-12k-reviews.csv"
NOW = "2024-10-07T12:00:00+00:00"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collection holding the real 12k-review history in deck "Josh"."""
    db = tmp_path_factory.mktemp("memory") / "col.db"
    cards: dict[int, list[ReviewRecord]] = {}
    for r in read(DATA).reviews:
        cards.setdefault(r.card_id, []).append(ReviewRecord(r.reviewed_at, r.rating, r.duration_ms))
    notes = [
        NoteRecord(
            f"q{cid}",
            "a",
            deck="Josh",
            cards=[
                CardRecord(
                    state="review",
                    due=revs[-1].reviewed_at,
                    last_review=revs[-1].reviewed_at,
                    stability=5.0,
                    difficulty=5.0,
                    reviews=revs,
                )
            ],
        )
        for cid, revs in cards.items()
    ]
    now = datetime.fromisoformat(NOW)
    with Collection.open(db, now=now) as col:
        col.import_package(Package(notes=notes), now=now)
    return db


def test_evaluate_json_shape_on_the_real_csv() -> None:
    data = json.loads(run("evaluate", "--revlog", str(DATA), "--json"))
    assert set(data) == {
        "source",
        "reviews",
        "cards",
        "scored_reviews",
        "folds",
        "calendar",
        "models",
        "recommended",
    }
    assert data["reviews"] == 12580 and data["cards"] == 1205 and data["folds"] == 5
    assert data["calendar"] == {"timezone": "UTC+00:00", "rollover_hour": 4}
    assert list(data["models"]) == ["fsrs6_default", "fsrs6_fitted", "ours_shrunk"]
    for scores in data["models"].values():
        assert set(scores) == {"log_loss", "rmse_bins", "auc"}
        assert (
            0.3 < scores["log_loss"] < 0.6
            and 0 < scores["rmse_bins"] < 0.1
            and 0.6 < scores["auc"] < 0.8
        )
    # fitting on the learner's past must beat the defaults on calibration
    assert (
        data["models"]["fsrs6_fitted"]["rmse_bins"] < data["models"]["fsrs6_default"]["rmse_bins"]
    )
    assert data["recommended"] in data["models"]


def test_evaluate_timezone_option_changes_the_calendar() -> None:
    data = json.loads(
        run("evaluate", "--revlog", str(DATA), "--json", "--timezone", "America/Chicago")
    )
    assert data["calendar"]["timezone"] == "America/Chicago"


def test_evaluate_collection_history_matches_the_file(history_db: Path) -> None:
    data = json.loads(
        run("--db", str(history_db), "--now", NOW, "evaluate", "--json", "--timezone", "UTC")
    )
    from_file = json.loads(run("evaluate", "--revlog", str(DATA), "--json"))
    assert data["models"] == from_file["models"]


@pytest.mark.slow
def test_optimize_stores_parameters_with_date_and_count(history_db: Path) -> None:
    out = json.loads(
        run("--db", str(history_db), "--now", NOW, "optimize", "Josh", "--json", "--reschedule")
    )
    assert out["review_count"] == 6276 and out["decks"] == ["Josh"] and out["rescheduled"] == 1205
    with Collection.open(history_db, now=datetime.fromisoformat(NOW)) as col:
        config = col.deck("Josh").config
        card = col.find_cards(now=datetime.fromisoformat(NOW), deck="Josh", limit=1)[0].card
    assert list(config.fsrs_parameters) == pytest.approx(out["parameters"], abs=1e-4)
    assert config.fsrs_review_count == 6276 and config.fsrs_fitted_at.startswith("2024-10-07")
    assert card.stability != 5.0 and card.due > datetime(2024, 1, 1, tzinfo=UTC)


def test_optimize_refuses_without_history(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "empty.db"), "--now", NOW, "optimize", "--all"]
    )
    assert isinstance(result.exception, ValidationError)
    assert "need" in str(result.exception) or "needs" in str(result.exception)
    assert "default parameters" in str(result.exception)


@pytest.mark.slow
def test_simulate_json_and_plot(history_db: Path, tmp_path: Path) -> None:
    png = tmp_path / "sim.png"
    args = ("--db", str(history_db), "--now", NOW, "simulate", "Josh", "--days", "90", "--json")
    data = json.loads(run(*args, "--plot", str(png)))
    assert data["days"] == 90 and data["deck_size"] == 1205
    assert [o["desired_retention"] for o in data["outcomes"]][:2] == [0.7, 0.71]
    assert data["recommended_retention"] in [o["desired_retention"] for o in data["outcomes"]]
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_evaluate_anki_revlog_export_gives_the_same_numbers(tmp_path: Path) -> None:
    seen: set[int] = set()
    lines = ["id,cid,usn,ease,ivl,lastIvl,factor,time,type"]
    for r in read(DATA).reviews:
        kind = 1 if r.card_id in seen else 0
        seen.add(r.card_id)
        ms = round(r.reviewed_at.timestamp() * 1000)
        lines.append(f"{ms},{r.card_id},-1,{r.rating},1,0,2500,{r.duration_ms},{kind}")
    export = tmp_path / "revlog.csv"
    export.write_text("\n".join(lines) + "\n")
    from_anki = json.loads(run("evaluate", "--revlog", str(export), "--json"))
    from_csv = json.loads(run("evaluate", "--revlog", str(DATA), "--json"))
    assert from_anki["models"] == from_csv["models"]
    assert from_anki["calendar"]["timezone"] == "UTC+00:00"


@pytest.mark.slow
def test_reschedule_all_skips_the_reviews_of_deleted_cards(
    history_db: Path, tmp_path: Path
) -> None:
    import shutil

    db = tmp_path / "copy.db"
    shutil.copy(history_db, db)
    now = datetime.fromisoformat(NOW)
    with Collection.open(db, now=now) as col:
        gone = col.find_cards(now=now, deck="Josh", limit=1)[0].card.id
        col.delete_card(gone)
        assert any(row[0] == gone for row in col.review_rows())  # its history stays in the log
    out = json.loads(
        run("--db", str(db), "--now", NOW, "optimize", "--all", "--json", "--reschedule")
    )
    assert out["rescheduled"] == 1204
