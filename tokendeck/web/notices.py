"""What a page says after a form: a fixed list of messages that a redirect names (``?done=``).

Only these texts can appear, so a link cannot make a page say anything else.
"""

from __future__ import annotations

from fastapi import Request

#: Outcome messages a redirect may name (?done=KEY).
DONE = {
    "password": "Your password is changed. Other browsers were logged out.",
    "revoked": "The token is revoked.",
    "created": "The class is created. Share its code or link with your learners.",
    "joined": "You joined the class. Its decks are now in your collection.",
    "left": "You left the class. Your copies of its decks stay yours.",
    "published": "The deck is published. Learners get it on their next visit.",
    "updated": "A new version is published. Learners get it on their next visit.",
    "unchanged": "Nothing changed since the last version.",
    "code": "The class has a new code; the old code and link no longer work.",
    "resolved": "Done.",
    "registration": "Registration setting saved.",
    "role": "Role changed.",
    "logged-out": "You are logged out.",
}


def notice(request: Request) -> str | None:
    """The message the request's ``?done=`` names, if any."""
    return DONE.get(request.query_params.get("done") or "")
