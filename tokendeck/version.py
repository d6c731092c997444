"""The version of TokenDeck (kept apart so that anything can read it without importing more)."""

__version__ = "0.1.0"
