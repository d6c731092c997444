"""``/api/v1/settings``: collection-wide settings (day rollover hour, time zone)."""

from __future__ import annotations

from fastapi import APIRouter

from tokendeck.web import schemas
from tokendeck.web.deps import Col
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/settings", tags=["settings"], route_class=StrictJsonRoute)


@router.get("", response_model=schemas.SettingsOut)
async def get_settings(col: Col) -> schemas.SettingsOut:
    """The current settings."""
    current = col.settings()
    return schemas.SettingsOut(rollover_hour=current.rollover_hour, timezone=current.timezone)


@router.patch("", response_model=schemas.SettingsOut)
async def update_settings(body: schemas.SettingsUpdate, col: Col) -> schemas.SettingsOut:
    """Change the rollover hour or time zone (only the fields given)."""
    updated = col.update_settings(**body.model_dump(exclude_none=True))
    return schemas.SettingsOut(rollover_hour=updated.rollover_hour, timezone=updated.timezone)
