"""Request and response models of the server's API (accounts, classes, shared decks)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tokendeck.domain.accounts import Account, ApiToken
from tokendeck.domain.classes import (
    Conflict,
    HardCard,
    LearnerProgress,
    Publication,
    PublishedVersion,
    SchoolClass,
)

RoleName = Literal["admin", "teacher", "learner"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- accounts -----------------------------------------------------------------------------


class Credentials(_Strict):
    username: str = Field(min_length=1, max_length=100, examples=["ada"])
    password: str = Field(min_length=1, max_length=1024)


class RegisterIn(Credentials):
    #: An invitation code (needed when registration is invite-only; gives its role).
    invite: str | None = Field(default=None, max_length=200)
    #: A class's join code: registers (even where registration is by invitation) and joins it.
    code: str | None = Field(default=None, max_length=40)


class TokenIn(Credentials):
    name: str = Field(default="API token", max_length=100, description="a label to recognise it")


class TokenOut(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'; shown only once")
    id: int


class NewTokenIn(_Strict):
    name: str = Field(default="API token", max_length=100)


class TokenInfo(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenInfo:
        return cls(
            id=token.id,
            name=token.name,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked=token.revoked,
        )


class AccountOut(BaseModel):
    id: int
    username: str
    role: RoleName
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.user_id,
            username=account.name,
            role=account.role.value,
            created_at=account.created_at,
        )


class SessionOut(BaseModel):
    user: AccountOut
    csrf_token: str = Field(description="send as X-TokenDeck-CSRF with every change")


class PasswordIn(_Strict):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


class ConfirmIn(_Strict):
    password: str = Field(min_length=1, max_length=1024)


class RegistrationIO(_Strict):
    mode: Literal["open", "invite", "closed"]


class InviteIn(_Strict):
    role: RoleName = "learner"


class InviteOut(BaseModel):
    code: str
    link: str
    role: RoleName


class RoleIn(_Strict):
    role: RoleName


class NewAccountIn(Credentials):
    role: RoleName = "learner"


# -- classes ------------------------------------------------------------------------------


class ClassIn(_Strict):
    name: str = Field(min_length=1, max_length=100, examples=["Biology 2B"])


class JoinIn(_Strict):
    code: str = Field(min_length=1, max_length=40)


class ClassOut(BaseModel):
    id: int
    name: str
    teacher: str
    learners: int
    #: Only the class's teacher sees the code and link.
    join_code: str | None = None
    join_link: str | None = None

    @classmethod
    def of(cls, found: SchoolClass, *, teacher: bool) -> ClassOut:
        return cls(
            id=found.id,
            name=found.name,
            teacher=found.teacher_name,
            learners=found.learners,
            join_code=found.join_code if teacher else None,
            join_link=f"/join/{found.join_code}" if teacher else None,
        )


class ClassesOut(BaseModel):
    teaching: list[ClassOut]
    joined: list[ClassOut]


class ProgressOut(BaseModel):
    user_id: int
    username: str
    reviews: int
    reviews_7d: int
    true_retention: float | None
    backlog: int
    new_cards: int
    last_active: datetime | None

    @classmethod
    def of(cls, row: LearnerProgress) -> ProgressOut:
        return cls(
            user_id=row.user_id,
            username=row.name,
            reviews=row.reviews,
            reviews_7d=row.reviews_7d,
            true_retention=row.true_retention,
            backlog=row.backlog,
            new_cards=row.new_cards,
            last_active=row.last_active,
        )


class HardCardOut(BaseModel):
    deck: str
    front: str
    back: str
    learners: int
    reviews: int
    again: int
    again_rate: float

    @classmethod
    def of(cls, card: HardCard) -> HardCardOut:
        return cls(
            deck=card.deck,
            front=card.front,
            back=card.back,
            learners=card.learners,
            reviews=card.reviews,
            again=card.again,
            again_rate=card.again_rate,
        )


class PublishIn(_Strict):
    #: A deck of your collection (name or id); or builtin: the LLM Vocabulary deck (admins).
    deck: str | int | None = None
    builtin: bool = False


class PublicationOut(BaseModel):
    id: int
    class_id: int
    name: str
    description: str
    source: Literal["deck", "builtin"]
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, found: Publication) -> PublicationOut:
        return cls(
            id=found.id,
            class_id=found.class_id,
            name=found.name,
            description=found.description,
            source="builtin" if found.source == "builtin" else "deck",
            version=found.version,
            updated_at=found.updated_at,
        )


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    added: int
    changed: int
    deleted: int

    @classmethod
    def of(cls, found: PublishedVersion) -> VersionOut:
        return cls(
            version=found.version,
            created_at=found.created_at,
            added=found.added,
            changed=found.changed,
            deleted=found.deleted,
        )


class PendingOut(BaseModel):
    added: int
    changed: int
    deleted: int


class PublishedOut(BaseModel):
    """What publishing changes did: the new version, or none when nothing changed."""

    version: VersionOut | None


class SharedNoteOut(BaseModel):
    front: str
    back: str
    tags: list[str]


class ConflictOut(BaseModel):
    note_id: int
    deck: str
    version: int
    mine: SharedNoteOut
    theirs: SharedNoteOut

    @classmethod
    def of(cls, found: Conflict) -> ConflictOut:
        return cls(
            note_id=found.note_id,
            deck=found.deck_name,
            version=found.version,
            mine=SharedNoteOut(front=found.mine_front, back=found.mine_back, tags=[]),
            theirs=SharedNoteOut(
                front=found.theirs.front, back=found.theirs.back, tags=list(found.theirs.tags)
            ),
        )


class ResolveIn(_Strict):
    choice: Literal["mine", "theirs"]
