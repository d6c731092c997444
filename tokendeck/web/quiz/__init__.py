"""The web app's Learn and Test pages: their page routes, API schemas, presenters and the
server-side store of asked questions (the JSON endpoints are in :mod:`tokendeck.web.api.quiz`)."""
