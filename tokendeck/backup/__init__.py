"""Backups and restores: everything that keeps a learner's collection safe.

* :mod:`.records`  a user's every row as neutral-form records (the exact JSON backup);
* :mod:`.restore`  restoring a backup as an identical file that replaces the old one safely;
* :mod:`.snapshot` the database file itself, zipped with its media (what the daily backup is);
* :mod:`.daily`    the automatic daily backup and its rotation.

The JSON backup *file* is a format like any other (:mod:`tokendeck.formats.backup`);
the SQL behind backups is in :mod:`tokendeck.storage.backup` and
:mod:`tokendeck.storage.snapshot`.
"""
