"""Who is asking. The one place the web layer decides the current user.

Single-user mode always answers with the local user; the multi-user server
will replace :func:`current_user` (one dependency) with real authentication,
and nothing else in the web layer needs to change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WebUser:
    """The user a request acts for."""

    id: int
    name: str


LOCAL_USER = WebUser(id=1, name="local")


async def current_user() -> WebUser:
    """FastAPI dependency: the user of this request (the local user for now).

    Async so FastAPI calls it on the event loop rather than in a worker thread.
    """
    return LOCAL_USER
