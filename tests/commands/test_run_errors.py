"""`python -m bot run` with a setting that cannot work: one line naming the variable, exit 1,
no traceback (what the operator reads in the journal)."""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from bot.logsafe import QUIET
from tests.fakes.telegram_api import DEFAULT_TOKEN

CHANNEL_VARS = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET",
    "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_URL", "BOT_HTTP_HOST", "BOT_HTTP_PORT",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NotFound(BaseHTTPRequestHandler):
    """A web server that is not a Bot API: 404 and an HTML page for every path."""

    def do_POST(self) -> None:
        body = b"<html><body>404 Not Found</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def not_a_bot_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def port_in_use() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def run_with(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """`main(["run"])` with `env` (LINE configured unless Telegram is), logging as in production
    into a buffer; asserts exit status 1 and no traceback anywhere; returns the one line."""
    for name in CHANNEL_VARS:
        monkeypatch.delenv(name, raising=False)
    if "TELEGRAM_BOT_TOKEN" not in env:
        env = {
            "LINE_CHANNEL_SECRET": "s" * 32,
            "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40,
            "LINE_API_URL": "http://127.0.0.1:9",
        } | env
    env = {"BOT_HTTP_HOST": "127.0.0.1", "BOT_HTTP_PORT": str(free_port())} | env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    log = io.StringIO()
    levels = {name: logging.getLogger(name).level for name in ("", *QUIET, "httpx")}
    monkeypatch.setattr(root, "handlers", [logging.StreamHandler(log)])
    try:
        assert main(["run"]) == 1
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    err = capsys.readouterr().err
    assert "Traceback" not in err + log.getvalue(), err + log.getvalue()
    assert " ERROR " not in log.getvalue()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("host", ["no-such-host.invalid", "300.1.1.1", "192.0.2.1"])
def test_unusable_host(host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    line = run_with({"BOT_HTTP_HOST": host, "DATABASE_URL": "sqlite:///:memory:"}, monkeypatch, capsys)
    assert "BOT_HTTP_HOST" in line and host in line


def test_port_in_use(port_in_use: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    line = run_with({"BOT_HTTP_PORT": str(port_in_use), "DATABASE_URL": "sqlite:///:memory:"}, monkeypatch, capsys)
    assert "BOT_HTTP_PORT" in line and "in use" in line


def test_telegram_api_refusing_connections(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}"}
    line = run_with(env | {"DATABASE_URL": "sqlite:///:memory:"}, monkeypatch, capsys)
    assert "TELEGRAM_API_URL" in line and "cannot be reached" in line
    assert DEFAULT_TOKEN.partition(":")[2] not in line


def test_telegram_api_url_that_is_not_a_bot_api(
    not_a_bot_api: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_URL": not_a_bot_api}
    line = run_with(env | {"DATABASE_URL": "sqlite:///:memory:"}, monkeypatch, capsys)
    assert "TELEGRAM_API_URL" in line and "TELEGRAM_BOT_TOKEN" not in line  # not "token refused"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/a-file/sub/bot.sqlite3",  # the folder cannot be created: a file is in the way
        "sqlite:////sys/elearn-bot-test.sqlite3",  # the folder exists and is not writable (even for root)
        "sqlite://relative.sqlite3",  # the wrong shape
        "sqlite:///",
    ],
)
def test_unusable_database_url(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    line = run_with({"DATABASE_URL": url.format(tmp=tmp_path)}, monkeypatch, capsys)
    assert "DATABASE_URL" in line
