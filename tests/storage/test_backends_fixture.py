"""Without a PostgreSQL server the PostgreSQL cases are skipped with the reason, so the README's
test command passes on a fresh laptop; under REQUIRE_POSTGRES=1 (what .ci/run sets) they fail."""

from __future__ import annotations

import pytest

from tests.support import backends


async def test_no_server_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/test")
    monkeypatch.delenv("REQUIRE_POSTGRES", raising=False)
    with pytest.raises(
        pytest.skip.Exception, match=r"no PostgreSQL at postgresql://postgres@127.0.0.1:1/test.*TEST_DATABASE_URL"
    ):
        await backends.require_postgres()


async def test_no_server_fails_when_postgres_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/test")
    monkeypatch.setenv("REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_POSTGRES=1 but no PostgreSQL"):
        await backends.require_postgres()
