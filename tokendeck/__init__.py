"""TokenDeck: spaced-repetition flashcards with FSRS scheduling."""

__version__ = "0.1.0"
