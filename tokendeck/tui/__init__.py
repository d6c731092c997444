"""The terminal study session (Textual).

Only :mod:`tokendeck.tui.session` is free of Textual; the app itself
(:mod:`tokendeck.tui.app`) is imported by ``tokendeck study`` when it runs, so
other commands never pay for importing Textual.
"""
