"""Reading files nobody vouches for: one set of budgets and guards for every reader.

Every importer (:mod:`tokendeck.formats`), the JSON backup and the snapshot
restore read bytes that may be damaged by accident or built to hurt. They all
go through this package rather than keeping guards of their own:

* :mod:`~tokendeck.untrusted.budget`: :class:`ReadLimits` (how much time, how
  many members, bytes, rows and levels of nesting a read may use) and the
  :class:`Budget` that counts them while reading;
* :mod:`~tokendeck.untrusted.zips`: :class:`SafeZip`, the one zip reader
  (member count, compression methods, encryption, names, decompressed bytes
  counted as they come, expansion ratio);
* :mod:`~tokendeck.untrusted.databases`: SQLite files opened read-only with
  views, triggers and recursive queries refused and the time budget enforced;
* :mod:`~tokendeck.untrusted.jsondoc`: JSON with no NaN, no lone surrogates
  and bounded nesting;
* :mod:`~tokendeck.untrusted.guard`: :func:`reading`, which turns anything a
  reader did not foresee into an :class:`~tokendeck.errors.ImportFormatError`
  naming the file, so no traceback ever reaches the user.

Nothing here imports the collection, the storage layer or a heavy library.
"""

from __future__ import annotations

from tokendeck.untrusted.budget import WEB_LIMITS, Budget, ReadLimits
from tokendeck.untrusted.guard import reading

__all__ = ["WEB_LIMITS", "Budget", "ReadLimits", "reading"]
