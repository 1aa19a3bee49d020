"""Plans published from the console, on both backends: checked exactly as `rules check`
checks a file, kept with every version and who published it, served at once by the instance
that published it and within seconds by another instance on the same database, tried as
`ask --json` answers before anything is published."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.commands.ask import run_ask
from bot.commands.rules_check import run_rules_check
from bot.core.clock import FixedClock
from bot.core.dialogue import Dialogue
from bot.core.messages import Incoming
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.plans.loader import PlanBook, PlanError, load_rules_dir, parse_plan
from bot.plans.published import PlanWatcher, check_plan_text, plan_history, publish_plan, try_questions
from bot.storage import SqliteStore
from tests.conftest import ROOT
from tests.support.backends import Backend

DAY = datetime(2023, 6, 1, 10, tzinfo=TAIPEI)
ORIGINAL = (ROOT / "rules" / "kaohsiung-112.yaml").read_text(encoding="utf-8")
LATER = ORIGINAL.replace("deadline: {date: 2023-08-31", "deadline: {date: 2023-09-15")
QUESTION = "截止日期是什麼時候？"
BROKEN = ORIGINAL.replace("roc_year: 112", "roc_year: -3").replace(
    "  period: {start: 2023-01-01", "  perod: {start: 2023-01-01"
)
ADMIN = "telegram:870001"


def services_on(store: object, book: PlanBook) -> Services:
    return Services(book, store, FixedClock(DAY))  # type: ignore[arg-type]


async def ask(services: Services, user: str, text: str) -> str:
    dialogue = Dialogue(services)
    await dialogue.prepare_ready("telegram", user, "kaohsiung-112", "zh-TW")
    return "\n".join(r.text for r in await dialogue.handle(Incoming("telegram", user, text=text)))


def test_the_check_gives_exactly_what_rules_check_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "kaohsiung-113.yaml").write_text(BROKEN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run_rules_check(["kaohsiung-113.yaml"]) == 1
    printed = capsys.readouterr().err.splitlines()[:-1]  # the last line is the tally
    found = check_plan_text("kaohsiung-113.yaml", BROKEN)
    assert found == printed and len(found) == 3
    assert any("kaohsiung-113.yaml: plan.roc_year:" in p for p in found)
    assert any("perod: unknown field" in p for p in found)
    assert check_plan_text("kaohsiung-113.yaml", LATER) == []
    (bad_yaml,) = check_plan_text("kaohsiung-113.yaml", "plan: [")
    assert bad_yaml.startswith("kaohsiung-113.yaml: line 1, column 8: not valid YAML")
    assert "file name must be a plan id" in check_plan_text("../x.txt", LATER)[0]


async def test_publishing_serves_the_plan_here_at_once_and_keeps_every_version(backend: Backend) -> None:
    book = load_rules_dir()
    async with backend.make() as store:
        services = services_on(store, book)
        assert "112年8月31日" in await ask(services, "1001", QUESTION)
        assert await publish_plan(services, "kaohsiung-112.yaml", LATER, ADMIN) == 1
        answer = await ask(services, "1001", QUESTION)
        assert "112年9月15日" in answer and "8月31日" not in answer
        assert await publish_plan(services, "kaohsiung-112.yaml", ORIGINAL, "line:U1") == 2  # put back
        assert "112年8月31日" in await ask(services, "1001", QUESTION)
        history = await plan_history(services, "kaohsiung-112.yaml")
        assert [(v.version, v.published_by, v.text == LATER) for v in history] == [
            (2, "line:U1", False),
            (1, ADMIN, True),
        ]
        audit = [(e.actor, e.action, e.detail.get("version")) for e in await store.audit_log()]
        assert (ADMIN, "plan.published", 1) in audit and ("line:U1", "plan.published", 2) in audit


async def test_a_new_file_adds_a_plan_and_a_bad_one_is_refused_with_nothing_stored(backend: Backend) -> None:
    async with backend.make() as store:
        services = services_on(store, load_rules_dir())
        with pytest.raises(PlanError) as refused:
            await publish_plan(services, "kaohsiung-113.yaml", BROKEN, ADMIN)
        assert refused.value.problems == check_plan_text("kaohsiung-113.yaml", BROKEN)
        assert await store.plans_version() == 0 and "kaohsiung-113" not in services.tools
        assert (await store.audit_log())[0].action == "plan.publish_refused"
        await publish_plan(services, "kaohsiung-113.yaml", LATER, ADMIN)  # a new name: one plan more
        assert {"hsinchu-109", "kaohsiung-112", "kaohsiung-113"} == set(services.tools) == set(services.book.plans)


async def test_another_instance_on_the_same_database_serves_a_published_plan_within_seconds(
    backend: Backend,
) -> None:
    here, there = backend.make(), backend.make()
    async with here, there:
        publisher, other = services_on(here, load_rules_dir()), services_on(there, load_rules_dir())
        watcher = PlanWatcher(other, every=0.2)
        await watcher.start()
        try:
            assert "112年8月31日" in await ask(other, "2002", QUESTION)
            start = asyncio.get_running_loop().time()
            await publish_plan(publisher, "kaohsiung-112.yaml", LATER, ADMIN)
            while "112年9月15日" not in await ask(other, "2002", QUESTION):
                assert asyncio.get_running_loop().time() - start < 5, "the other instance never served it"
                await asyncio.sleep(0.1)
            took = asyncio.get_running_loop().time() - start
            assert took < 3
        finally:
            await watcher.stop()
        # A third instance starting later serves it from its first answer.
        late = services_on(there, load_rules_dir())
        starting = PlanWatcher(late)
        await starting.start()
        await starting.stop()
        assert "112年9月15日" in await ask(late, "3003", QUESTION)


async def test_questions_are_tried_as_ask_answers_them_before_publishing(backend: Backend) -> None:
    async with backend.make() as store:
        services = services_on(store, load_rules_dir())
        tried = await try_questions(services, LATER, [QUESTION, "補休最多幾小時？", " "], "zh-TW",
                                    filename="kaohsiung-112.yaml")  # fmt: skip
        assert [t["question"] for t in tried] == [QUESTION, "補休最多幾小時？"]
        assert "112年9月15日" in tried[0]["text"] and tried[0]["outcome"] == "answered"
        assert await store.plans_version() == 0 and await store.count_users() == 0  # nothing stored
        assert "112年8月31日" in await ask(services, "1001", QUESTION)  # still the file's plan

        # The same as `python -m bot ask --json` gives for that plan.
        cli_store = SqliteStore(":memory:")
        await cli_store.open()
        try:
            plan_book = PlanBook({"kaohsiung-112": parse_plan(LATER, "kaohsiung-112", "x")})
            out = io.StringIO()
            await run_ask(Dialogue(services_on(cli_store, plan_book)), "kaohsiung-112", "zh-TW",
                          io.StringIO(f"{QUESTION}\n補休最多幾小時？\n"), out, True)  # fmt: skip
        finally:
            await cli_store.close()
        assert [json.loads(line) for line in out.getvalue().splitlines()] == tried

        by_id = await try_questions(services, "kaohsiung-112", [QUESTION], "en")
        assert "finish by Thu, Aug 31, 2023" in by_id[0]["text"]
        with pytest.raises(PlanError):
            await try_questions(services, BROKEN, [QUESTION], "zh-TW")
