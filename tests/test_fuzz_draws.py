"""The scheduler's fuzz draws exactly what a freshly seeded ``random.Random`` draws.

``Fuzz`` keeps the first outputs of one seeded generator to serve the up to
three fuzzed intervals of a card's planned answers; it must give, for every
range, what ``random.Random(seed).randint`` gives (the fuzz an answer had
before plans existed, and what a preview promised).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tokendeck.scheduling.scheduler import Fuzz


@settings(max_examples=2000, deadline=None)
@given(
    seed=st.text(max_size=30),
    low=st.integers(-(10**6), 10**6),
    width=st.one_of(st.integers(1, 40_000), st.integers(1, 2**40)),
)
def test_fuzz_draws_what_a_fresh_generator_draws(seed: str, low: int, width: int) -> None:
    high = low + width - 1
    assert Fuzz(seed).randint(low, high) == random.Random(seed).randint(low, high)


def test_every_range_of_one_seed_draws_as_its_own_fresh_generator() -> None:
    for card in range(300):
        seed = f"0:{card}:{card % 17}"
        fuzz = Fuzz(seed)
        for low, high in ((2, 3), (5, 9), (20, 31), (200, 241), (3, 3 + 2**20)):
            assert fuzz.randint(low, high) == random.Random(seed).randint(low, high)
