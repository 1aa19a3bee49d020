"""The LINE client reads the proxy settings once, not on every request."""

from __future__ import annotations

import pytest

from bot.channels.line.client import environment_proxy, open_client


def test_the_environment_names_the_proxy_unless_no_proxy_exempts_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.city.gov.tw:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert environment_proxy("https://api.line.me") == "http://proxy.city.gov.tw:3128"
    monkeypatch.setenv("NO_PROXY", "api.line.me")
    assert environment_proxy("https://api.line.me") is None


async def test_the_client_takes_the_proxy_once_and_its_session_does_not_look_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.city.gov.tw:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = open_client("token", "https://api.line.me")
    try:
        assert client.rest_client.proxy == "http://proxy.city.gov.tw:3128"
        assert client.rest_client.pool_manager.trust_env is False
    finally:
        await client.close()
