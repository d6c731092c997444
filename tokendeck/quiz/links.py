"""Concept links: which cards mention which terms, related cards, the deck graph.

A card *mentions* another when its front or back contains one of the other
card's names (its term or an accepted alternative), compared on normalised
words so case, hyphens and a plural "s" do not matter: DALL-E 2 mentions
CLIP, GLIDE and "diffusion models"; GPT-J mentions the Pile. *Confusable*
pairs are cards of different notes that are very similar (see
:mod:`tokendeck.quiz.similarity`); a session spaces them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokendeck.grading.normalise import normalise
from tokendeck.quiz.items import Item
from tokendeck.quiz.similarity import CONFUSABLE, Similarities

RELATED_SIMILAR = 3  # most similar cards added to a card's related list
#: ... if at least this similar.
RELATED_FLOOR = {"embedding": 0.45, "lexical": 0.2}
SPACING = 3  # confusable cards at least this many positions apart in a session


@dataclass(frozen=True, slots=True)
class Related:
    """A card related to another, and why ("mentions", "mentioned_by", "similar")."""

    card_id: int
    term: str
    reason: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Node:
    """A card in the concept graph."""

    card_id: int
    term: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Edge:
    """A link in the concept graph: ``source`` mentions ``target`` or is confusable with it."""

    source: int
    target: int
    kind: str  # "mentions" or "confusable"
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Graph:
    """Nodes and edges of a deck's concepts (for the web graph view)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True, slots=True)
class ConfusablePair:
    """Two very similar cards (``first`` has the lower card id)."""

    first: int
    second: int
    first_term: str
    second_term: str
    similarity: float


def mention_map(items: Sequence[Item]) -> dict[int, list[int]]:
    """card id -> the card ids whose names its text contains (in item order)."""
    index = _name_index(items)
    longest = max((len(key.split()) for key in index), default=0)
    order = {item.card_id: n for n, item in enumerate(items)}
    note_of = {item.card_id: item.note_id for item in items}
    found: dict[int, list[int]] = {}
    for item in items:
        words = normalise(f"{item.prompt}\n{item.answer}").split()
        hits: set[int] = set()
        for size in range(1, longest + 1):
            for start in range(len(words) - size + 1):
                hits.update(index.get(" ".join(words[start : start + size]), ()))
        mine = (h for h in hits if note_of[h] != item.note_id)
        found[item.card_id] = sorted(mine, key=order.__getitem__)
    return found


def deck_mentions(sims: Similarities) -> dict[int, list[int]]:
    """:func:`mention_map` of a deck's items, worked out once per Similarities."""
    found = sims.memo.get("mentions")
    if not isinstance(found, dict):
        found = sims.memo["mentions"] = mention_map(sims.items)
    return found


def mentions(item: Item, others: Sequence[Item]) -> list[Item]:
    """The other items whose term (or an alternative name) ``item``'s text contains."""
    ids = set(mention_map([item, *others])[item.card_id])
    return [o for o in others if o.card_id in ids]


def _name_index(items: Sequence[Item]) -> dict[str, set[int]]:
    """Every normalised form of every term card's names (plain and plural) -> card ids."""
    index: dict[str, set[int]] = {}
    for item in items:
        if not item.is_term:
            continue
        for name in item.names:
            key = normalise(name)
            if len(key.replace(" ", "")) < 2:
                continue
            for form in {key, key + "s", key + "es", key.removesuffix("s")}:
                index.setdefault(form, set()).add(item.card_id)
    return index


def related(sims: Similarities, card_id: int, links: dict[int, list[int]]) -> list[Related]:
    """A card's related cards: those it mentions, those that mention it, the most similar."""
    index = sims.position(card_id)
    terms = {i.card_id: i.term for i in sims.items}
    found: dict[int, Related] = {}
    for target in links.get(card_id, []):
        found[target] = Related(target, terms[target], "mentions")
    for source, targets in links.items():
        if card_id in targets and source not in found:
            found[source] = Related(source, terms[source], "mentioned_by")
    own = sims.items[index].note_id
    floor = RELATED_FLOOR[sims.method]
    scores = sims.row(index)
    similar: list[int] = []
    for j in sims.nearest(index):  # most similar first: stop below the floor
        if float(scores[j]) < floor or len(similar) == RELATED_SIMILAR:
            break
        if sims.items[j].note_id != own:
            similar.append(j)
    for j in similar:
        other = sims.items[j].card_id
        if other not in found:
            found[other] = Related(other, terms[other], "similar", round(float(scores[j]), 3))
    return list(found.values())


def confusable_pairs(sims: Similarities, threshold: float | None = None) -> list[ConfusablePair]:
    """Pairs of different notes' cards at least ``threshold`` similar, most similar first."""
    limit = CONFUSABLE[sims.method] if threshold is None else threshold
    items = sims.items
    pairs = []
    for a, b in sims.pairs_at_least(limit):
        if items[a].note_id == items[b].note_id:
            continue
        first, second = sorted((items[a], items[b]), key=lambda i: i.card_id)
        score = round(sims.score(a, b), 3)
        pairs.append(ConfusablePair(first.card_id, second.card_id, first.term, second.term, score))
    return sorted(pairs, key=lambda p: (-p.similarity, p.first, p.second))


def graph(sims: Similarities, links: dict[int, list[int]]) -> Graph:
    """The deck's concept graph: mention edges plus confusable edges."""
    nodes = tuple(Node(i.card_id, i.term, i.tags) for i in sims.items)
    edges = [Edge(s, t, "mentions") for s, targets in links.items() for t in targets]
    edges += [Edge(p.first, p.second, "confusable", p.similarity) for p in confusable_pairs(sims)]
    return Graph(nodes, tuple(edges))


def space_apart(
    card_ids: Sequence[int], pairs: Sequence[ConfusablePair], gap: int = SPACING
) -> list[int]:
    """Reorder ``card_ids`` so confusable cards are at least ``gap`` apart where possible.

    Greedy and stable: each step takes the earliest waiting card that clashes
    with none of the last ``gap - 1`` placed; if all clash, the earliest.
    """
    clashes: dict[int, set[int]] = {}
    for pair in pairs:
        clashes.setdefault(pair.first, set()).add(pair.second)
        clashes.setdefault(pair.second, set()).add(pair.first)
    waiting, placed = list(card_ids), list[int]()
    while waiting:
        recent = set(placed[-(gap - 1) :]) if gap > 1 else set()
        pick = next((c for c in waiting if not clashes.get(c, set()) & recent), waiting[0])
        waiting.remove(pick)
        placed.append(pick)
    return placed
