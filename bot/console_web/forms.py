"""Reading the console's forms: every field checked at the door, with a message per field
that the page shows beside it (nothing is done while any is wrong)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.admin.broadcast import MAX_ANNOUNCEMENT
from bot.core.services import Services
from bot.domain.calendar import TAIPEI
from bot.i18n import t
from bot.storage.outbox import AUDIENCES

FormData = MultiDictProxy[str | bytes | bytearray | FileField]


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class AnnouncementForm:
    """What HR typed on the announcement form, and what is wrong with it."""

    text: str = ""
    plan: str = ""
    audience: str = "all"
    when: str = "now"  # "now" or "later"
    day: str = ""  # YYYY-MM-DD, Asia/Taipei
    clock: str = ""  # HH:MM
    quiet_ok: bool = False  # sending in quiet hours was confirmed
    nonce: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    send_at: datetime | None = None

    @classmethod
    def read(cls, form: FormData, services: Services) -> AnnouncementForm:
        got = cls(
            text=text_field(form, "text"), plan=text_field(form, "plan"), audience=text_field(form, "audience"),
            when=text_field(form, "when") or "now", day=text_field(form, "day"), clock=text_field(form, "time"),
            quiet_ok=text_field(form, "quiet_ok") == "yes", nonce=text_field(form, "nonce"),
        )  # fmt: skip
        got.check(services)
        return got

    def check(self, services: Services) -> None:
        if not self.text:
            self.errors["text"] = t("console.error.text_empty")
        elif len(self.text) > MAX_ANNOUNCEMENT:
            self.errors["text"] = t("console.error.text_long", length=len(self.text), limit=MAX_ANNOUNCEMENT)
        if self.plan not in services.tools:
            self.errors["plan"] = t("console.error.plan")
        if self.audience not in AUDIENCES:
            self.errors["audience"] = t("console.error.audience")
        if self.when not in ("now", "later"):
            self.errors["when"] = t("console.error.when")
        elif self.when == "later":
            self.send_at = moment(self.day, self.clock)
            if self.send_at is None:
                self.errors["when"] = t("console.error.when_format")
            elif self.send_at <= services.clock.now():
                self.errors["when"] = t("console.error.when_past")

    @property
    def ok(self) -> bool:
        return not self.errors


def moment(day: str, clock: str) -> datetime | None:
    """A date and a time of day typed in the form, as Asia/Taipei; None when either is not one."""
    try:
        d = date.fromisoformat(day)
        c = time.fromisoformat(clock)
    except ValueError:
        return None
    return datetime.combine(d, c.replace(tzinfo=None), tzinfo=TAIPEI)
