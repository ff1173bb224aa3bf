"""A body is read whole before the app runs: a client that goes away mid-body leaves a
truncated body, which must not reach a route (F9's body timeout closes such clients)."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from services.api.middleware import RequestContextMiddleware


async def _post(messages: list[Message]) -> tuple[list[bytes], list[Message]]:
    """The bodies the app received and the messages sent back, for a POST whose body
    arrives as `messages`."""
    ran: list[bytes] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ran.append((await receive()).get("body", b""))

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/v1/campaigns", "headers": []}
    await RequestContextMiddleware(app, max_body_bytes=1024)(scope, receive, send)
    return ran, sent


async def test_a_client_gone_mid_body_runs_nothing() -> None:
    ran, sent = await _post(
        [
            {"type": "http.request", "body": b'{"name": "half', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    assert ran == []
    assert sent == []


async def test_a_whole_body_reaches_the_app() -> None:
    ran, _ = await _post(
        [
            {"type": "http.request", "body": b'{"name": ', "more_body": True},
            {"type": "http.request", "body": b'"whole"}', "more_body": False},
        ]
    )
    assert ran == [b'{"name": "whole"}']
