"""``/api/v1/check``: check the collection, repairing what is safe (the Settings page button)."""

from __future__ import annotations

from fastapi import APIRouter

from tokendeck.web import schemas
from tokendeck.web.deps import Col, Now

router = APIRouter(prefix="/check", tags=["check"])


@router.post("", response_model=schemas.CheckOut)
async def check(col: Col, now: Now, repair: bool = True) -> schemas.CheckOut:
    """Check the database, the search index and every card against its history; with
    ``repair`` (the default), mend what has one right answer and report the rest."""
    report = col.check(now=now, repair=repair)
    return schemas.CheckOut(
        ok=report.ok,
        findings=[
            schemas.FindingOut(problem=f.problem, count=f.count, repaired=f.repaired, hint=f.hint)
            for f in report.findings
        ],
    )
