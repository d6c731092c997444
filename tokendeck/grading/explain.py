"""Explanations of a grade, in words a learner understands."""

from __future__ import annotations

from tokendeck.grading.concepts import Coverage
from tokendeck.grading.evidence import LexicalEvidence
from tokendeck.grading.result import Verdict

_VERDICT_WORDS = {
    Verdict.CORRECT: "Correct",
    Verdict.PARTLY_CORRECT: "Partly correct",
    Verdict.INCORRECT: "Incorrect",
}


def exact(form: str, index: int) -> str:
    """Explanation for an exact or accepted-alternative match."""
    if index == 0:
        return "Correct: matches the answer exactly."
    return f"Correct: matches the accepted answer {form!r}."


def typo(form: str) -> str:
    """Explanation for a match within the typo allowance."""
    return f"Correct, with a small typo: the answer is {form!r}."


def fact(verdict: Verdict, coverage: Coverage) -> str:
    """Explanation for a short fact, which must match letter for letter."""
    head = f"{_VERDICT_WORDS[verdict]}: a short fact must match exactly (small typos allowed)."
    return f"{head} {concept_lists(coverage)}".strip()


def meaning(verdict: Verdict, cosine: float, coverage: Coverage) -> str:
    """Explanation for a grade by meaning and key concepts."""
    count = f"{len(coverage.found)} of {len(coverage.found) + len(coverage.missed)}"
    head = f"{_VERDICT_WORDS[verdict]}: similarity in meaning {cosine:.2f}, {count} key concepts."
    return f"{head} {concept_lists(coverage)}".strip()


def concepts(verdict: Verdict, coverage: Coverage) -> str:
    """Explanation for a grade on key concepts alone (no embedding model)."""
    count = f"{len(coverage.found)} of {len(coverage.found) + len(coverage.missed)}"
    head = f"{_VERDICT_WORDS[verdict]}: {count} key concepts (meaning not checked)."
    return f"{head} {concept_lists(coverage)}".strip()


def settled(verdict: Verdict, coverage: Coverage) -> str:
    """Explanation when the key concepts decide whatever the meaning check says."""
    count = f"{len(coverage.found)} of {len(coverage.found) + len(coverage.missed)}"
    head = f"{_VERDICT_WORDS[verdict]}: {count} key concepts settle it."
    return f"{head} {concept_lists(coverage)}".strip()


def concept_lists(coverage: Coverage) -> str:
    """ "Found: a, b. Missed: c." (empty parts left out)."""
    parts = []
    if coverage.found:
        parts.append("Found: " + ", ".join(c.text for c in coverage.found) + ".")
    if coverage.missed:
        parts.append("Missed: " + ", ".join(c.text for c in coverage.missed) + ".")
    return " ".join(parts)


def judged(verdict: Verdict, probability: float, evidence: LexicalEvidence) -> str:
    """Explanation for a grade by the answer judge."""
    count = f"{len(evidence.found)} of {len(evidence.found) + len(evidence.missed)}"
    head = (
        f"{_VERDICT_WORDS[verdict]}: judged by meaning, {probability:.0%} likely correct; "
        f"{count} key concepts."
    )
    parts = []
    if evidence.found:
        parts.append("Found: " + ", ".join(evidence.found) + ".")
    if evidence.missed:
        parts.append("Missed: " + ", ".join(evidence.missed) + ".")
    return " ".join([head, *parts])
