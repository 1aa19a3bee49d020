"""Plans published from HR's console: kept in the database, so every instance serves them.

A plan file published in the console is validated exactly as `python -m bot rules check`
validates a file, stored as a new version (the previous ones stay, see `plan_history`),
audited, and served by this instance at once. Every running instance polls the store's
cheap publication counter (`PlanWatcher`, every 2 s) and, when it grew, reloads its plans
without a restart: the files of RULES_DIR with the latest published version of each file on
top (a published `kaohsiung-112.yaml` replaces the file of that name; a new name adds a plan).

`try_questions` answers questions against a plan text not yet published, as
`python -m bot ask --json` would, on a throwaway in-memory store.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import PurePath
from typing import Any

from bot.core.services import Services, plan_tools
from bot.plans.loader import MAX_FILE_BYTES, PlanBook, PlanError, parse_plan
from bot.plans.model import Plan
from bot.storage.console import PublishedPlan

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0
SUFFIXES = (".yaml", ".yml")
TRY_PLAN_ID = "draft"  # the id of a plan text tried without a file name


def plan_id_of(filename: str) -> str:
    return PurePath(filename).stem


def check_plan_text(filename: str, text: str) -> list[str]:
    """The problems `rules check` reports for this file (file: field: problem), [] when it is
    right. `filename` is the file's name only (e.g. kaohsiung-113.yaml): its stem is the id."""
    name = PurePath(filename)
    if name.name != filename or name.suffix not in SUFFIXES:
        return [f"{filename}: the file name must be a plan id ending in .yaml, e.g. kaohsiung-113.yaml"]
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        return [f"{filename}: file is larger than {MAX_FILE_BYTES} bytes"]
    try:
        parse_plan(text, name.stem, filename)
    except PlanError as error:
        return error.problems
    return []


def parse_checked(filename: str, text: str) -> Plan:
    """The plan, or PlanError with `check_plan_text`'s problems."""
    problems = check_plan_text(filename, text)
    if problems:
        raise PlanError(problems)
    return parse_plan(text, plan_id_of(filename), filename)


async def publish_plan(services: Services, filename: str, text: str, actor: str) -> int:
    """Validate, store a new version, audit, and serve it here at once; returns the version
    (1 for a file's first publication). Raises PlanError, storing nothing, when invalid."""
    try:
        plan = parse_checked(filename, text)
    except PlanError as error:
        await services.store.audit(actor, "plan.publish_refused", {"file": filename, "errors": len(error.problems)})
        raise
    stored = await services.store.store_published_plan(filename, text, actor)
    await services.store.audit(
        actor, "plan.published", {"file": filename, "plan": plan.id, "version": stored.version, "chars": len(text)}
    )
    log.info("plan %s published by %s as version %d", filename, actor, stored.version)
    await apply_published(services)
    return stored.version


async def plan_history(services: Services, filename: str) -> list[PublishedPlan]:
    """Every published version of a file, newest first ([] when only the file on disk exists)."""
    return await services.store.plan_versions(filename)


async def apply_published(services: Services) -> bool:
    """Serve the latest published version of every file on top of what is served now;
    True when the plans changed. A version that no longer loads (written by newer code) is
    logged and left out, keeping what was served."""
    async with services.reloading:
        version = await services.store.plans_version()
        if version == services.plans_version:
            return False
        plans = dict(services.book.plans)
        for found in await services.store.published_plans():
            try:
                plan = parse_checked(found.filename, found.text)
            except PlanError as error:
                log.error("published plan %s v%d cannot be loaded: %s", found.filename, found.version, error)
                continue
            plans[plan.id] = plan
        book = PlanBook(dict(sorted(plans.items())))
        if book.plans == services.book.plans:
            services.plans_version = version
            return False
        tools = await asyncio.to_thread(plan_tools, book, services.tools)  # the loop keeps answering
        services.reload(book, tools)
        services.plans_version = version
        log.info("plans reloaded (publication %d): %s", version, ", ".join(book.plans))
        return True


class PlanWatcher:
    """Polls the store's publication counter and reloads the plans when it grew (each
    instance runs one: a plan published on any of them is served by all within seconds)."""

    def __init__(self, services: Services, every: float = POLL_SECONDS) -> None:
        self.services, self.every = services, every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve what was published before this start, then keep looking."""
        await apply_published(self.services)
        self._task = asyncio.create_task(self._poll(), name="plan-watcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await apply_published(self.services)
            except Exception as error:  # the database away for a moment: look again next time
                log.warning("plans: could not look for published plans: %s", error)


async def try_questions(
    services: Services, plan_id_or_text: str, questions: list[str], lang: str, *, filename: str | None = None
) -> list[dict[str, Any]]:
    """What `python -m bot ask --json` gives for each question (question, text, buttons,
    outcome), against a plan served now (by id) or a plan text (published or not; its id
    from `filename` when given). Nothing is stored anywhere. Raises PlanError for a bad text."""
    from bot.commands.ask import USER, flatten
    from bot.core.dialogue import Dialogue
    from bot.core.messages import Incoming
    from bot.qa.outcome import outcome_of
    from bot.storage.sqlite import MEMORY, SqliteStore

    served = services.book.get(plan_id_or_text)
    if served is not None:
        book = PlanBook({served.id: served})
    else:
        plan = parse_checked(filename or f"{TRY_PLAN_ID}.yaml", plan_id_or_text)
        book = PlanBook({plan.id: plan})
    store = SqliteStore(MEMORY)
    await store.open()
    try:
        dialogue = Dialogue(await asyncio.to_thread(Services, book, store, services.clock))
        plan_id = next(iter(book.plans))
        await dialogue.prepare_ready("console", USER, plan_id, lang)
        answers = []
        for question in questions:
            if not question.strip():
                continue
            replies = await dialogue.handle(Incoming("console", USER, text=question))
            text, buttons = flatten(replies)
            answers.append({"question": question, "text": text, "buttons": buttons, "outcome": outcome_of(replies)})
        return answers
    finally:
        await store.close()
