"""The web server against clients that cost it: a body trickling in, a client hanging up."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.web import WebServer, read_body


async def echo(request: web.Request) -> web.Response:
    body = await read_body(request)
    await asyncio.sleep(0.05)
    return web.Response(text=f"{len(body)} bytes")


@pytest.fixture
async def server(unused_tcp_port: int) -> AsyncIterator[int]:
    web_server = WebServer("127.0.0.1", unused_tcp_port, body_timeout=0.5)
    web_server.add_route("POST", "/hook", echo, "test")
    await web_server.start()
    yield unused_tcp_port
    await web_server.stop()


HEAD = b"POST /hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"


async def test_a_trickling_body_gets_408_and_the_connection_is_closed(server: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    started = time.monotonic()
    writer.write(HEAD)

    async def trickle() -> None:
        for _ in range(100):  # one byte every 0.1 s: 10 s for the body
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.1)

    sending = asyncio.create_task(trickle())
    try:
        answer = await asyncio.wait_for(reader.read(), 5)  # read() until the server closes
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:40]
    assert time.monotonic() - started < 3  # cut after the timeout, not after the body


async def test_a_body_in_time_is_read(server: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(HEAD + b"x" * 100)
    answer = await asyncio.wait_for(reader.readuntil(b"100 bytes"), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("when", ["mid-body", "before-the-answer"])
async def test_a_client_that_hangs_up_costs_one_info_line(
    server: int, when: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        sock = socket.create_connection(("127.0.0.1", server))
        sock.sendall(HEAD + (b"x" * 10 if when == "mid-body" else b"x" * 100))
        await asyncio.sleep(0.02 if when == "mid-body" else 0.01)
        sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )  # a reset, as a phone losing signal
        sock.close()
        await asyncio.sleep(0.3)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)
    if when == "mid-body":
        [line] = [r.getMessage() for r in caplog.records if r.name == "bot.web" and r.levelno == logging.INFO]
        assert "disconnected" in line
