"""``/api/v1/classes``, ``/api/v1/published`` and ``/api/v1/shared``: classes and shared decks.

What a caller may not see answers 404, exactly as an id that does not exist:
a class is visible to its teacher and learners, its progress to its teacher.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from tokendeck.domain.accounts import Account
from tokendeck.domain.classes import SchoolClass
from tokendeck.server.classes import hardest_csv, progress_csv
from tokendeck.web.accounts import schemas as s
from tokendeck.web.accounts.auth import Me
from tokendeck.web.deps import Col, Now, ServerDep
from tokendeck.web.presenters import note_out
from tokendeck.web.schemas import NoteOut

router = APIRouter(tags=["classes"])


def class_out(account: Account, found: SchoolClass) -> s.ClassOut:
    """A class as its viewer may see it (only its teacher sees the join code)."""
    return s.ClassOut.of(found, teacher=found.teacher_id == account.user_id)


@router.get("/classes", response_model=s.ClassesOut)
async def list_classes(account: Me, server: ServerDep) -> s.ClassesOut:
    """The classes you teach and the classes you joined."""
    teaching, joined = server.classes.visible(account)
    return s.ClassesOut(
        teaching=[class_out(account, c) for c in teaching],
        joined=[class_out(account, c) for c in joined],
    )


@router.post("/classes", response_model=s.ClassOut, status_code=status.HTTP_201_CREATED)
async def create_class(body: s.ClassIn, account: Me, server: ServerDep, now: Now) -> s.ClassOut:
    """Create a class (teachers); its join code and link are in the answer."""
    return class_out(account, server.classes.create(account, body.name, now=now))


@router.post("/classes/join", response_model=s.ClassOut)
async def join(body: s.JoinIn, account: Me, server: ServerDep, now: Now) -> s.ClassOut:
    """Join a class by its code; its decks arrive with your next request."""
    return class_out(account, server.classes.join(account, body.code, now=now))


@router.get("/classes/{class_id}", response_model=s.ClassOut)
async def get_class(class_id: int, account: Me, server: ServerDep) -> s.ClassOut:
    """A class you teach or joined."""
    return class_out(account, server.classes.get(account, class_id))


@router.delete("/classes/{class_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_class(class_id: int, account: Me, server: ServerDep) -> Response:
    """Delete a class you teach (learners keep their copies of its decks)."""
    server.classes.delete(account, class_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/classes/{class_id}/code", response_model=s.ClassOut)
async def new_code(class_id: int, account: Me, server: ServerDep) -> s.ClassOut:
    """Replace the join code (the old code and link stop working)."""
    return class_out(account, server.classes.new_code(account, class_id))


@router.post("/classes/{class_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave(class_id: int, account: Me, server: ServerDep) -> Response:
    """Leave a class; your copies of its decks stay yours and stop updating."""
    server.classes.leave(account, class_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/classes/{class_id}/learners/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_learner(class_id: int, user_id: int, account: Me, server: ServerDep) -> Response:
    """Take a learner out of a class you teach."""
    server.classes.remove_learner(account, class_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/classes/{class_id}/progress", response_model=list[s.ProgressOut])
async def progress(class_id: int, account: Me, server: ServerDep, now: Now) -> list[s.ProgressOut]:
    """Each learner's reviews, true retention, backlog and last activity on the class's decks."""
    return [s.ProgressOut.of(r) for r in server.classes.progress(account, class_id, now=now)]


@router.get("/classes/{class_id}/progress.csv", response_class=Response)
async def progress_file(class_id: int, account: Me, server: ServerDep, now: Now) -> Response:
    """The progress table as CSV."""
    rows = server.classes.progress(account, class_id, now=now)
    return _csv(progress_csv(rows), f"class-{class_id}-progress.csv")


@router.get("/classes/{class_id}/hardest", response_model=list[s.HardCardOut])
async def hardest(class_id: int, account: Me, server: ServerDep) -> list[s.HardCardOut]:
    """The class's cards answered Again most often."""
    return [s.HardCardOut.of(c) for c in server.classes.hardest(account, class_id)]


@router.get("/classes/{class_id}/hardest.csv", response_class=Response)
async def hardest_file(class_id: int, account: Me, server: ServerDep) -> Response:
    """The hardest cards as CSV."""
    return _csv(
        hardest_csv(server.classes.hardest(account, class_id)), f"class-{class_id}-hardest.csv"
    )


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- published decks ----------------------------------------------------------------------


@router.get("/classes/{class_id}/decks", response_model=list[s.PublicationOut])
async def class_decks(class_id: int, account: Me, server: ServerDep) -> list[s.PublicationOut]:
    """The decks published to a class."""
    return [s.PublicationOut.of(p) for p in server.sharing.of_class(account, class_id)]


@router.post(
    "/classes/{class_id}/decks",
    response_model=s.PublicationOut,
    status_code=status.HTTP_201_CREATED,
)
async def publish(
    class_id: int, body: s.PublishIn, account: Me, col: Col, server: ServerDep, now: Now
) -> s.PublicationOut:
    """Publish a deck of your collection to a class you teach (or, admins, the built-in deck)."""
    if body.builtin:
        found = server.sharing.publish_builtin(account, class_id, now=now)
    else:
        from tokendeck.errors import ValidationError

        if body.deck is None:
            raise ValidationError("name the deck to publish", hint='send {"deck": "Name"}')
        found = server.sharing.publish_deck(account, col, class_id, body.deck, now=now)
    return s.PublicationOut.of(found)


@router.get("/published/{publication_id}/versions", response_model=list[s.VersionOut])
async def versions(publication_id: int, account: Me, server: ServerDep) -> list[s.VersionOut]:
    """A published deck's versions, newest first."""
    return [s.VersionOut.of(v) for v in server.sharing.versions(account, publication_id)]


@router.get("/published/{publication_id}/pending", response_model=s.PendingOut)
async def pending(publication_id: int, account: Me, col: Col, server: ServerDep) -> s.PendingOut:
    """What publishing your edits now would change (the deck's author or the class's teacher)."""
    changes = server.sharing.pending(account, col, publication_id)
    return s.PendingOut(
        added=len(changes.added) + len(changes.restored),
        changed=len(changes.changed),
        deleted=len(changes.deleted),
    )


@router.post("/published/{publication_id}/versions", response_model=s.PublishedOut)
async def publish_changes(
    publication_id: int, account: Me, col: Col, server: ServerDep, now: Now
) -> s.PublishedOut:
    """Publish your edits to the deck as a new version (``version`` null: nothing changed)."""
    found = server.sharing.publish_changes(account, col, publication_id, now=now)
    return s.PublishedOut(version=None if found is None else s.VersionOut.of(found))


@router.delete("/published/{publication_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unpublish(publication_id: int, account: Me, server: ServerDep) -> Response:
    """Stop publishing a deck (learners keep their copies)."""
    server.sharing.unpublish(account, publication_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the learner's side of updates --------------------------------------------------------


@router.get("/shared/updates", response_model=list[s.ConflictOut])
async def updates(col: Col, account: Me, server: ServerDep) -> list[s.ConflictOut]:
    """Notes you edited that their author changed since: both texts, for you to choose."""
    return [s.ConflictOut.of(c) for c in server.sharing.conflicts(account, col)]


@router.post("/shared/updates/{note_id}", response_model=NoteOut)
async def resolve(
    note_id: int, body: s.ResolveIn, account: Me, col: Col, server: ServerDep, now: Now
) -> NoteOut:
    """Keep your text (``mine``) or take the author's (``theirs``)."""
    return note_out(server.sharing.resolve(account, col, note_id, body.choice, now=now))
