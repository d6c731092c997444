"""Transfers: the neutral form every import and export passes through, and applying it.

* :mod:`.package`   the neutral in-memory form (:class:`~.package.Package` and its records);
* :mod:`.importing` applying a Package to a user's storage, all or nothing;
* :mod:`.planning`  the rows an import writes, built with little work per note;
* :mod:`.exporting` a user's notes, cards and history as a Package;
* :mod:`.history`   a package's bulk review history (copied by SQL, replayed through FSRS);
* :mod:`.collector` pausing the garbage collector around bulk work.

"Package" means only the neutral form here; Anki's ``.apkg`` files are
"Anki packages", handled by :mod:`tokendeck.formats.anki`.
"""
