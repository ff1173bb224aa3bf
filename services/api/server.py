"""The API's uvicorn server, and how long and how much a client may take to send a request
(F9 in issue 15).

uvicorn parses with httptools (three times the requests a second of h11 here), which has
no header size limit (`h11_max_incomplete_event_size` only reaches h11), and arms no
timer until a first response is sent, and none while a request's head or body is
arriving: a client could hold a connection forever with half a request. The protocol
below adds what is missing; a reverse proxy in front should still set its own limits
(docs/operations.md, "In production").
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from services.api.metrics import MULTIPROCESS_DIR
from services.api.problems import PROBLEM_JSON
from shared.config import Settings

APP = "services.api.main:app_factory"


@dataclass(frozen=True)
class ReadLimits:
    #: The request line and headers, in bytes: more is a 431 and the connection closes.
    head_bytes: int
    #: From a request's first byte until its headers are complete, in seconds.
    head_timeout: float
    #: The longest silence while a request's body is arriving, in seconds.
    body_timeout: float


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing; httptools re-raises it as an
    HttpParserError, which uvicorn answers through `send_400_response`."""


class ApiConfig(uvicorn.Config):
    """uvicorn's config with the API's read limits. A module-level class, as the protocol
    below: with API_WORKERS > 1 uvicorn pickles the config into each spawned worker."""

    def __init__(self, app: Any, *, read_limits: ReadLimits, **kwargs: Any) -> None:
        super().__init__(app, http=BoundedHttpToolsProtocol, **kwargs)
        self.read_limits = read_limits


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header size limit and read timeouts.

    One timer at a time: while the bytes of a request's head are arriving (from the first
    byte, not reset by further bytes, so a trickle does not extend it), then while its body
    is arriving (reset by each chunk). An idle connection is the keep-alive timer's.
    """

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        assert isinstance(config, ApiConfig)
        self.limits: ReadLimits = config.read_limits
        self._read_timer: asyncio.TimerHandle | None = None
        #: Bytes received since the last complete head: the next head, as far as it came.
        self._head_bytes = 0
        self._in_body = False
        self._last_read = 0.0
        self._head_too_large = False
        self._head_counted = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn arms keep-alive only after a response: a silent new connection stayed.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_read_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_body:
            self._last_read = self.loop.time()
        else:
            self._head_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._in_body:
            if self._read_timer is None:
                self._last_read = self.loop.time()
                self._read_timer = self.loop.call_later(
                    self.limits.body_timeout, self._read_timed_out
                )
        elif self._head_bytes > self.limits.head_bytes:
            # A head still incomplete and already too long: no need to wait for the rest.
            self._send_431()
        elif self._read_timer is None and self._reading_head():
            self._read_timer = self.loop.call_later(self.limits.head_timeout, self._read_timed_out)

    def _reading_head(self) -> bool:
        """Part of a head has come and no response is being written: while one is, a
        pipelined head waits for it, then for the keep-alive timer."""
        return self._head_bytes > 0 and (self.cycle is None or self.cycle.response_complete)

    def on_message_begin(self) -> None:
        # Nothing counted yet: this head starts in a chunk that ended a previous request
        # (pipelining), whose bytes were not all the head's.
        self._head_counted = self._head_bytes > 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        if self._read_timer is not None:
            self._stop_read_timer()
        # The bytes counted bound the head from above: measure it only if they are over.
        if self._head_bytes > self.limits.head_bytes or not self._head_counted:
            size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
            if size > self.limits.head_bytes:
                self._head_too_large = True
                raise _HeadTooLarge
        self._head_bytes = 0
        self._in_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body = False
        if self._read_timer is not None:
            self._stop_read_timer()
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._send_431()
        else:
            super().send_400_response(msg)

    def _send_431(self) -> None:
        self._head_too_large = True
        body = orjson.dumps(
            {
                "type": "/problems/request-header-too-large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"the request line and headers exceed {self.limits.head_bytes} bytes",
                "request_id": None,
            }
        )
        head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"x-content-type-options: nosniff\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        if self._in_body:
            idle = self.loop.time() - self._last_read
            if self.flow.read_paused:
                # uvicorn stopped reading until the app takes the body: not the client.
                self._last_read, idle = self.loop.time(), 0.0
            if idle < self.limits.body_timeout:
                self._read_timer = self.loop.call_later(
                    self.limits.body_timeout - idle, self._read_timed_out
                )
                return
        self.logger.debug("Closing a connection: request not received in time.")
        self.transport.close()

    def _stop_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None


def server_config(
    settings: Settings,
    app: Any = APP,
    *,
    host: str | None = None,
    port: int | None = None,
) -> ApiConfig:
    """How `smm api` serves the API (and the tests start it): `app` is an import string
    of a factory, or an ASGI app (served by this one process)."""
    return ApiConfig(
        app,
        factory=isinstance(app, str),
        host=host or settings.api_host,
        port=port or settings.api_port,
        # API_WORKERS processes share the listening socket (uvicorn's supervisor restarts
        # one that dies); each has its own pools (DB_POOL_SIZE x 2 connections).
        workers=settings.api_workers if isinstance(app, str) else 1,
        read_limits=ReadLimits(
            head_bytes=settings.max_header_bytes,
            head_timeout=settings.request_header_timeout_seconds,
            body_timeout=settings.request_body_timeout_seconds,
        ),
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
        ws="none",  # no WebSocket route: an upgrade request is answered as plain HTTP
        log_level=settings.log_level.lower(),
        access_log=False,
        # The client address (rate limit of failed authentication) is the one a proxy
        # listed in FORWARDED_ALLOW_IPS (default: this host) forwards.
        proxy_headers=True,
    )


def serve(config: ApiConfig) -> bool:
    """Serve until stopped: in this process, or in `config.workers` processes under
    uvicorn's supervisor. False if the API never started (or a worker could not)."""
    if config.workers <= 1:
        server = uvicorn.Server(config)
        with suppress(KeyboardInterrupt):  # as `uvicorn.run`: re-raised after the shutdown
            server.run()
        return server.started
    # Each worker counts in files of one directory (prometheus_client's multiprocess
    # mode, chosen when the spawned workers import it), and `/metrics` sums them: a
    # scrape sees every process's requests, whichever process answers it.
    metrics = tempfile.mkdtemp(prefix="smm-api-metrics-")
    os.environ[MULTIPROCESS_DIR] = metrics
    try:
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        with suppress(KeyboardInterrupt):
            supervisor.run()
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(metrics, ignore_errors=True)
    return not any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes)
