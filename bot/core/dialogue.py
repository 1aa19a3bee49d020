"""The conversation core: one place that reads every path a message can take.

    Incoming ─► person (created on first contact) ─► language context
        ├─ follow / unfollow events
        ├─ not yet onboarded ───────────────► features.onboarding
        ├─ button  `<epoch>|action:args` ───► ACTIONS[action]   (outdated epoch → polite)
        ├─ `/command` ──────────────────────► COMMANDS → ACTIONS (unknown → polite)
        ├─ keyword (進度, 步驟, 截止…) ───────► KEYWORDS → ACTIONS
        ├─ a picture (a screenshot of the record) ───► features.record.receive_image
        ├─ a sticker, location, file, audio, video ──► what the bot can read
        ├─ state bc_text (an admin writing an announcement) ► features.admin
        ├─ state claim_wait (name, unit, title for the form) ► features.claim
        ├─ state await_record, or a pasted record ► features.record.receive_record
        └─ anything else ───────────────────► features.questions.ask

Telegram, LINE and the console only translate to and from `Incoming` / `Reply`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.core import buttons as payloads
from bot.core.messages import Incoming, Reply
from bot.core.ordering import PersonLocks
from bot.core.sanitize import clean_incoming
from bot.core.services import Services
from bot.core.turn import Turn, button, reply
from bot.domain.record import MAX_RECORD_CHARS, looks_like_record
from bot.domain.textnorm import normalize
from bot.features import admin, bundles, claim, menu, onboarding, progress, questions, record, settings, status, steps
from bot.features.typed import remember, resolve
from bot.i18n import DEFAULT_LANG, normalize_lang, t, using
from bot.yamlfiles import read_yaml

log = logging.getLogger(__name__)
Action = Callable[[Turn, tuple[str, ...]], Awaitable[list[Reply]]]
MAX_TEXT = 1000  # a question longer than this is not a question (records may be longer)


async def _cancel(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    turn.set_state("")
    await turn.save()
    return await menu.show_menu(turn)


ACTIONS: dict[str, Action] = {
    "start": onboarding.start,
    "menu": menu.show_menu,
    "help": menu.show_help,
    "faq": menu.show_faq,
    "set": menu.show_settings,
    "st": status.show_status,
    "steps": steps.show_step,
    "bun": bundles.show_bundles,
    "rep": progress.choose_bundle,
    "d": progress.mark_course,
    "da": progress.mark_bundle,
    "od": progress.set_off_duty,
    "odb": lambda turn, args: progress.set_off_duty(turn, args, whole_bundle=True),
    "u": progress.undo,
    "undo": progress.undo,
    "rec": record.ask_record,
    "rc": record.confirm_row,
    "claim": claim.start,
    "sf": status.answer_staff,
    "topic": questions.topic,
    "rem": settings.remind,
    "lang": settings.language,
    "plan": settings.plan,
    "fg": settings.forget,
    "cancel": _cancel,
    # administrators only (BOT_ADMINS); everyone else gets a polite refusal, audited
    "bc": admin.start,
    "bcp": admin.choose_plan,
    "bca": admin.choose_audience,
    "bcok": admin.confirm,
    "bcx": admin.cancel,
    "stats": admin.stats,
    "console": admin.console,
}

COMMANDS: dict[str, str] = {
    "/start": "start", "/help": "help", "/menu": "menu", "/steps": "steps:0", "/bundles": "bun",
    "/done": "rep", "/undo": "undo", "/status": "st", "/deadline": "topic:deadline", "/remind": "rem",
    "/lang": "lang", "/plan": "plan", "/forget": "fg", "/record": "rec", "/faq": "faq", "/settings": "set",
    "/broadcast": "bc", "/stats": "stats", "/console": "console", "/claim": "claim",
}  # fmt: skip


KEYWORDS_FILE = Path(__file__).with_name("keywords.yaml")


def load_keywords(path: Path = KEYWORDS_FILE) -> dict[str, str]:
    data = read_yaml(path)["keywords"]
    return {normalize(str(word)): payload for payload, words in data.items() for word in words}


def split(payload: str) -> tuple[str, tuple[str, ...]]:
    action, *args = payload.split(":")
    return action, tuple(args)


class Dialogue:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.keywords = load_keywords()
        self._people = PersonLocks()

    async def handle(self, incoming: Incoming, others_waiting: Callable[[], bool] | None = None) -> list[Reply]:
        """Replies for one incoming message; one person's messages are handled in order.
        `others_waiting`: the channel's view of that person's messages queued behind this one."""
        incoming = clean_incoming(incoming)
        async with self._people.hold((incoming.channel, incoming.user_id)) as mine:

            def waiting() -> bool:
                return mine() or (others_waiting is not None and others_waiting())

            return await self._handle(incoming, waiting)

    async def _handle(self, incoming: Incoming, others_waiting: Callable[[], bool] = lambda: False) -> list[Reply]:
        store = self.services.store
        if incoming.event == "unfollow":
            await store.set_active(incoming.channel, incoming.user_id, False)
            return []
        lang = normalize_lang(incoming.lang_hint) or DEFAULT_LANG
        user, created = await store.get_user(incoming.channel, incoming.user_id), False
        if user is None:
            user, created = await store.get_or_create_user(incoming.channel, incoming.user_id, lang)
        if not user.active:
            user.active = True
            await store.save_user(user)
        turn = Turn(self.services, user, incoming, others_waiting)
        with using(user.lang):
            replies = await self._route(turn, created)
        if turn.user.id >= 0 and remember(turn.user, replies):  # a label typed next does what it says
            await turn.save()
        epoch = turn.user.epoch
        return payloads.stamp_replies(replies, epoch)

    async def _route(self, turn: Turn, created: bool) -> list[Reply]:
        incoming, user = turn.incoming, turn.user
        if created:
            return await onboarding.start(turn)
        if incoming.event == "follow":
            return await (menu.greeting(turn) if user.onboarded else onboarding.start(turn))
        if incoming.button is not None:
            pressed = payloads.parse(incoming.button)
            if pressed is None or pressed.epoch != user.epoch or pressed.action not in ACTIONS:
                return self._outdated(turn)
            return await self._act(turn, pressed.action, pressed.args)
        if incoming.image is not None or incoming.media is not None:
            if not user.onboarded:
                return await onboarding.handle(turn, None, ())
            if turn.plan is None:
                return await settings.plan(turn, ())
            if incoming.image is not None:
                return await record.receive_image(turn, incoming.image)
            return [reply(t("media.unsupported"), *menu.main_buttons(turn), kind="menu")]
        text = (incoming.text or "").strip()
        if text.startswith("/"):
            command = text.split()[0].split("@")[0].lower()
            if command not in COMMANDS:
                return [
                    reply(
                        t("command.unknown", command=command[:32]),
                        button("button.help", "help"),
                        button("button.menu", "menu"),
                    )
                ]
            return await self._act(turn, *split(COMMANDS[command]))
        label_of = resolve(user, text) if user.state != "bc_text" else None
        if label_of is not None:  # a button's label, typed (LINE for PC has no rich menu)
            return await self._act(turn, *split(label_of))
        if not user.onboarded:
            return await onboarding.handle(turn, None, ())
        return await self._text(turn, text)

    async def _act(self, turn: Turn, action: str, args: tuple[str, ...]) -> list[Reply]:
        user = turn.user
        if action in ("start", "fg", "help"):
            return await ACTIONS[action](turn, args)
        if not user.onboarded:
            return await onboarding.handle(turn, action, args)
        if turn.plan is None and action not in ("plan", "lang"):
            return await settings.plan(turn, ())  # the person's plan file was removed
        return await ACTIONS[action](turn, args)

    async def prepare_ready(self, channel: str, user_id: str, plan_id: str, lang: str) -> None:
        """A person already onboarded on a plan: for `ask`, benchmarks and tests of answers."""
        user, _ = await self.services.store.get_or_create_user(channel, user_id, lang)
        user.plan_id, user.lang, user.onboarded, user.state = plan_id, lang, True, ""
        await self.services.store.save_user(user)

    async def prepare(self, channel: str, user_id: str, plan_id: str | None = None, lang: str | None = None) -> None:
        """Preset a new person's plan and language (the console's --plan and --lang)."""
        user, created = await self.services.store.get_or_create_user(channel, user_id, lang or DEFAULT_LANG)
        if created:
            user.plan_id = plan_id if plan_id and self.services.book.get(plan_id) else None
            user.state_data = {"preset_lang": lang} if lang else {}
            await self.services.store.save_user(user)

    async def _text(self, turn: Turn, text: str) -> list[Reply]:
        if turn.plan is None:
            return await settings.plan(turn, ())
        if turn.user.state == "bc_text":  # an administrator's announcement: any text, up to its own limit
            return await admin.receive_text(turn, text)
        if turn.user.state == "claim_wait" and len(text) <= MAX_TEXT:  # name, unit, title: used once, not kept
            return await claim.receive(turn, text)
        if turn.user.state == "await_record" or (len(text) > 40 and looks_like_record(text)):
            if len(text) > MAX_RECORD_CHARS:
                return [reply(t("record.too_long"), button("button.menu", "menu"))]
            return await record.receive_record(turn, text)
        if turn.user.state == "confirm_forget":
            turn.set_state("")
            await turn.save()
        if len(text) > MAX_TEXT:
            return [
                reply(t("ask.too_long", limit=MAX_TEXT), button("button.faq", "faq"), button("button.menu", "menu"))
            ]
        folded = normalize(text)
        if not folded:
            return [reply(t("ask.empty"), *menu.main_buttons(turn), kind="menu")]
        if folded in self.keywords:
            return await self._act(turn, *split(self.keywords[folded]))
        return await questions.ask(turn, text)

    @staticmethod
    def _outdated(turn: Turn) -> list[Reply]:
        if not turn.user.onboarded:
            return [reply(t("button.outdated"), button("button.start", "start"))]
        return [reply(t("button.outdated"), *menu.main_buttons(turn), kind="menu")]
