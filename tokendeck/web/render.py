"""Card text to safe HTML for the pages: see :mod:`tokendeck.rendering.markdown`.

Markdown rendering moved to the rendering package so that the collection's card
views, the CLI and exports render a note exactly as the pages do.
"""

from tokendeck.rendering.markdown import render_full, render_markdown

__all__ = ["render_full", "render_markdown"]
