"""Two CLIs, a third CLI and the web server answering the same cards at once for a minute:
no answer is lost and every card's review count equals its reviews (issue 14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import local_serve
from tokendeck import clock
from tokendeck.collection import Collection

#: How long the writers run; the assertions do not depend on it (more time, more clashes).
SECONDS = float(os.environ.get("TOKENDECK_STRESS_SECONDS", "60"))


def _cli_answers(path: Path, cards: list[int], stop: float, done: list[int]) -> None:
    env = {**os.environ, "TOKENDECK_DB": str(path)}
    i = 0
    while time.monotonic() < stop:
        card = cards[i % len(cards)]
        result = subprocess.run(
            [sys.executable, "-m", "tokendeck", "answer", str(card), "good", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            done.append(card)
        i += 1


def _web_answers(port: int, cards: list[int], stop: float, done: list[int]) -> None:
    i = 0
    while time.monotonic() < stop:
        card = cards[i % len(cards)]
        body = json.dumps({"card_id": card, "rating": "hard"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/study/answer",
            data=body,
            headers={"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if response.status == 200:
                    done.append(card)
        except OSError:
            pass  # a refused answer is not counted, and must not be stored either
        i += 1


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    now = clock.now()  # the CLIs and the server read the wall clock too
    with Collection.open(path, now=now, install_builtin=False) as col:
        cards = []
        for i in range(3):
            note = col.add_note("Deck", f"front {i}", f"back {i}", now=now, reverse=True)
            cards += [c.id for c in col.cards_of_note(note.id)]
    acknowledged: list[list[int]] = [[], [], [], []]
    with local_serve(path) as port:
        stop = time.monotonic() + SECONDS
        workers = [
            threading.Thread(target=_cli_answers, args=(path, cards, stop, acknowledged[i]))
            for i in range(3)
        ]
        workers.append(
            threading.Thread(target=_web_answers, args=(port, cards, stop, acknowledged[3]))
        )
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    with Collection.open(path, install_builtin=False) as col:
        for card in cards:
            history = col.history(card)
            answered = sum(ack.count(card) for ack in acknowledged)
            # every acknowledged answer is there, once; every card's count agrees with its log
            assert len(history) == answered
            assert col.card(card).card.reps == answered
        assert col.check(now=clock.now()).findings == []
    assert all(acknowledged), "every kind of writer got answers through"
