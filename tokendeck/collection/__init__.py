"""The collection: the one facade the CLI, the TUI and the web app call."""

from tokendeck.collection.facade import AnswerResult, Collection, Settings, default_path

__all__ = ["AnswerResult", "Collection", "Settings", "default_path"]
