"""Our fit agrees with Anki's own optimiser on the same training items."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from tokendeck.domain.days import Calendar
from tokendeck.memory import fsrs6
from tokendeck.memory.histories import card_histories, samples
from tokendeck.memory.revlogs import read

DATA = Path(__file__).parent / "data" / "review-logs" / "anki-user-12k-reviews.csv"


@pytest.mark.anki
def test_fitted_parameters_match_ankis_optimizer() -> None:
    scheduler_pb2 = pytest.importorskip("anki.scheduler_pb2")
    from anki._backend import RustBackend

    scored = samples(card_histories(read(DATA).reviews, Calendar(UTC, 4)))
    items = [
        scheduler_pb2.FsrsItem(
            reviews=[
                scheduler_pb2.FsrsReview(rating=s.rating, delta_t=s.delta_days) for s in x.steps
            ]
        )
        for x in scored
    ]
    anki_params = list(RustBackend().compute_fsrs_params_from_items(items).params)
    ours = fsrs6.fit(scored)
    assert ours == pytest.approx(anki_params, abs=0.02)
    assert ours != pytest.approx(list(fsrs6.DEFAULT_PARAMETERS), abs=0.02)  # it did fit something
