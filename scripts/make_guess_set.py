"""Write tests/data/grading/guesses.csv: guesses and keyword stuffing for every built-in card.

Every answer in it is labelled incorrect: none shows knowledge of the card
it answers. For each card of the built-in deck (tokendeck/data/llm-vocabulary.toml),
asked as typed recall (front -> answer) and, for term cards, as reverse
(definition -> term):

* generic: words that fit any card of a deck about models ("model", "data",
  "a neural network", ...);
* non_answer: "I don't know" and the like;
* question: the card's front, or its term, typed back;
* stuffing: every term of the deck in one list, and the deck's commonest
  words in one list.

    python scripts/make_guess_set.py      # rewrites the CSV (deterministic)

tests/test_grading_guesses.py and benchmarks/bench_grading.py grade these
rows through the Learn-mode pipeline (question built from the card, deck
vocabulary included) and require that none is graded better than incorrect.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.collection import Collection  # noqa: E402
from tokendeck.grading.concepts import stem  # noqa: E402
from tokendeck.grading.guesses import deck_vocabulary  # noqa: E402
from tokendeck.grading.normalise import normalise  # noqa: E402
from tokendeck.quiz.formats import QuestionError, reverse  # noqa: E402
from tokendeck.quiz.items import Item, item_from_view  # noqa: E402

OUT = REPO / "tests" / "data" / "grading" / "guesses.csv"
DECK = "LLM Vocabulary"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
GENERIC = (
    "model", "a model", "text", "data", "neural network", "a neural network", "AI",
    "machine learning", "an algorithm", "a type of model", "a language model", "a dataset",
    "deep learning", "software", "a computer program", "something to do with AI",
)  # fmt: skip
NON_ANSWERS = ("I don't know", "idk", "no idea", "?", "not sure", "I forgot")
COLUMNS = ("card", "format", "student_answer", "label", "category")


def built_in_items() -> list[Item]:
    """The built-in deck's cards as quiz items (from a throwaway collection)."""
    with tempfile.TemporaryDirectory() as folder:
        col = Collection.open(Path(folder) / "collection.db", now=NOW)
        try:
            views = col.find_cards(now=NOW, deck=DECK, order="created")
            return [item_from_view(v) for v in views]
        finally:
            col.close()


def guesses_for(item: Item, items: list[Item]) -> list[tuple[str, str, str]]:
    """(format, answer, category) rows for one card."""
    every_term = ", ".join(i.term for i in items if i.is_term)
    common_words = " ".join(commonest_words(items))
    rows = [("typed", g, "generic") for g in GENERIC]
    rows += [("typed", g, "non_answer") for g in NON_ANSWERS]
    rows += [("typed", item.prompt, "question")]
    if item.term and item.term != item.prompt:
        rows.append(("typed", item.term, "question"))
    rows += [("typed", every_term, "stuffing"), ("typed", common_words, "stuffing")]
    if _reversible(item):
        rows += [("reverse", g, "generic") for g in GENERIC]
        rows += [("reverse", g, "non_answer") for g in NON_ANSWERS]
        rows += [("reverse", every_term, "stuffing")]
    return rows


def _reversible(item: Item) -> bool:
    """Whether Learn can ask the card in reverse (a term whose definition says more than it)."""
    try:
        reverse(item)
    except QuestionError:
        return False
    return True


def commonest_words(items: list[Item]) -> list[str]:
    """The deck's common words (see deck_vocabulary) as written, most used first."""
    common = deck_vocabulary((), [i.definition for i in items]).common
    counts: Counter[str] = Counter(
        w for i in items for w in normalise(i.definition).split() if stem(w) in common
    )
    chosen: dict[str, str] = {}
    for word, _ in counts.most_common():
        chosen.setdefault(stem(word), word)
    return list(chosen.values())


def card_key(item: Item) -> str:
    """The card's front, which is unique in the built-in deck."""
    return item.prompt


def main() -> None:
    items = built_in_items()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for item in items:
            for fmt, answer, category in guesses_for(item, items):
                writer.writerow((card_key(item), fmt, answer, "incorrect", category))
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
