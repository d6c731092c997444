"""The defining part of a reference answer.

A card's back often repeats its front: "Osmosis is the movement of water
across ...". The learner is asked *what* osmosis is, so the words before
"is" are the cue, not part of the answer: they neither need to be typed nor
count as key concepts.
"""

from __future__ import annotations

import re

#: "<subject of up to ~80 characters> is|are|... <definition>"
_DEFINING = re.compile(
    r"^(?P<subject>[^.;:!?]{1,80}?)\s+"
    r"(?:is|are|was|were|stands\s+for|refers\s+to|means|describes)\s+"
    r"(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
#: A subject longer than this is a clause, not a term being defined.
_MAX_SUBJECT_WORDS = 8
_MIN_DEFINITION_WORDS = 2


def definition_part(reference: str) -> str:
    """``"Osmosis is the movement of water"`` -> ``"the movement of water"``.

    Returns ``reference`` unchanged when it does not start "X is ...".
    """
    match = _DEFINING.match(reference.strip())
    if match is None:
        return reference.strip()
    subject, rest = match.group("subject"), match.group("rest").strip()
    if len(subject.split()) > _MAX_SUBJECT_WORDS or len(rest.split()) < _MIN_DEFINITION_WORDS:
        return reference.strip()
    return rest
