"""The domain: plain values and the rules about them, pure (no database, no clock, no I/O).

Cards, notes, decks, reviews, attempts, the learner's calendar of study days,
interval labels, collection settings and the search language.
"""
