"""The local web app: JSON API under ``/api/v1``, server-rendered pages, static assets.

Build it with :func:`tokendeck.web.app.create_app`; nothing is created at import
time. FastAPI is imported only when this package is used, never by the CLI's
fast paths.
"""
