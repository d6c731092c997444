"""JSON request bodies parsed strictly, for every API route.

Python's ``json`` turns ``"\\ud800"`` into a lone surrogate, which passes
every pydantic ``str`` field and then fails deep inside SQLite (a 500), and
it accepts ``NaN`` and ``Infinity``, which no TokenDeck number may be. Routes
built with :class:`StrictJsonRoute` refuse both while parsing, as FastAPI's
own "JSON decode error" (400, the one error shape, with the place).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from tokendeck.untrusted.jsondoc import lone_surrogate


class StrictJsonRequest(Request):
    """A request whose :meth:`json` refuses lone surrogates and non-finite numbers."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = (await self.body()).decode("utf-8", "surrogateescape")
            value = json.loads(text, parse_constant=_refuse_constant(text))
            where = lone_surrogate(value)
            if where is not None:
                raise json.JSONDecodeError(f"lone UTF-16 surrogate in {where}", text, 0)
            self._json = value
        return self._json


def _refuse_constant(text: str) -> Callable[[str], Any]:
    def refuse(name: str) -> Any:
        raise json.JSONDecodeError(f"{name} is not a number JSON allows", text, text.find(name))

    return refuse


class StrictJsonRoute(APIRoute):
    """An API route whose JSON body goes through :class:`StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler
