"""Handlers of recorded jobs, by name. Job names live in `shared/<domain>/jobs.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Handler = Callable[..., Awaitable[None]]
"""`async def handler(uow, wc, *, workspace_id: str, **args) -> None`: never commits.

`workspace_id` is the job row's (given to `uow.enqueue`); `args` are the JSON primitives
recorded with the job."""

HANDLERS: dict[str, Handler] = {}


def job(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register
