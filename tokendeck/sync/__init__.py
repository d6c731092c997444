"""Offline-first sync between a local collection and a TokenDeck server (issue 16).

The engine is split by concern, pure parts first:

* :mod:`.clock`: the hybrid logical clock that stamps edits (skew-safe last-writer-wins);
* :mod:`.model`: what travels: the columns of each record kind and a batch of them;
* :mod:`.codec`: a batch as compact, compressed bytes (columnar, zstd);
* :mod:`.merge`: the merge rules (per-field last writer wins, deletions, incarnations);
* :mod:`.replay`: a card's schedule recomputed from its merged answers (FSRS, deterministic);
* :mod:`.replica`: collecting a replica's changes and applying another's, over a Store;
* :mod:`.protocol`: versions, request and response envelopes, errors;
* :mod:`.service`: the server's side (info, push, pull) for one user's store;
* :mod:`.client`: the client's side: HTTP transport, login, the resumable sync loop;
* :mod:`.credentials`: where a collection's API token is kept (a 0600 file).

docs/sync.md describes the protocol and the merge rules. Front-ends reach all
of this through the collection facade (``col.sync``, ``col.login``, ...).
"""
