"""Opposites: an answer that swaps a word of the reference for its opposite.

Embeddings place "prices rise" and "prices fall" close together, and word
overlap sees nothing wrong with "adds noise" for "removes noise". A short
list of opposite pairs (general ones and a few textbook confusions) catches
the commonest contradictions cheaply. Comparatives ("larger", "more",
"reduce") are left out on purpose: a definition often uses them about a
different thing than the answer does. Written for this project.
"""

from __future__ import annotations

from tokendeck.grading.concepts import stem
from tokendeck.grading.normalise import normalise

_PAIRS = """
rise fall; increase decrease; grow shrink; expand contract; gain lose
add remove; insert delete; push pull; attract repel; attraction repulsion
before after; always never; true false; correct incorrect; valid invalid
possible impossible; positive negative; inside outside; internal external
open closed; public private; static dynamic; absorb release; accept reject
enable disable; encrypt decrypt; compress decompress; clockwise anticlockwise
north south; east west; vertical horizontal; latitude longitude
mitosis meiosis; prokaryotic eukaryotic; prokaryote eukaryote; aerobic anaerobic
endothermic exothermic; acidic alkaline; oxidation reduction; anode cathode
compiler interpreter; compiled interpreted; lifo fifo; synchronous asynchronous
renewable nonrenewable; voluntary involuntary; supervised unsupervised
overfitting underfitting; training inference; encoder decoder; import export
"""


def _opposites() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for pair in _PAIRS.replace("\n", ";").split(";"):
        words = pair.split()
        if len(words) != 2:
            continue
        a, b = (_key(w) for w in words)
        table.setdefault(a, set()).add(b)
        table.setdefault(b, set()).add(a)
    return table


def _key(word: str) -> str:
    """Stem without a final "e", so "remove", "removes" and "removed" agree."""
    return stem(word).removesuffix("e")


_OPPOSITES = _opposites()


def swapped_opposites(reference: str, answer: str) -> list[tuple[str, str]]:
    """(answer word, reference word) pairs where the answer says the opposite.

    A word counts only if the reference has its opposite but not the word
    itself ("low to high" may say "high").
    """
    ref_stems = {_key(w) for w in normalise(reference).split()}
    found: list[tuple[str, str]] = []
    for word in dict.fromkeys(normalise(answer).split()):
        s = _key(word)
        if s in ref_stems:
            continue
        for opposite in _OPPOSITES.get(s, ()):
            if opposite in ref_stems:
                found.append((word, opposite))
    return found
