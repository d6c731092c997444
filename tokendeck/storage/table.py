"""What every table's rows object shares: the database handle and the user it is scoped to."""

from __future__ import annotations

from tokendeck.storage.database import Database


class Table:
    """The rows of one table that belong to one user.

    Every query of a subclass filters on ``user_id``: a storage object built
    for one user cannot read or change another user's rows, whatever ids the
    layers above pass in.
    """

    __slots__ = ("db", "user")

    def __init__(self, db: Database, user: int) -> None:
        self.db = db
        self.user = user
