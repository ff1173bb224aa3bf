"""A fast webhook receiver for the delivery benchmark: `python -m bench.receiver PORT`.

Raw ASGI on uvicorn (uvloop, httptools): it answers 200 to every POST and remembers when
each `webhook-id` arrived on each path; `GET /arrivals` hands the record back as JSON.
It does not verify signatures (the tests do): it must not be the bottleneck it measures.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import uvicorn

Scope = dict[str, Any]
Message = dict[str, Any]

arrivals: list[tuple[str, str, float]] = []


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["method"] == "GET" and scope["path"] == "/arrivals":
        body = orjson.dumps(arrivals)
    else:
        headers = dict(scope["headers"])
        webhook_id = headers.get(b"webhook-id", b"").decode()
        arrivals.append((scope["path"], webhook_id, time.time()))
        body = b"ok"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
