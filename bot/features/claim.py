"""The comp-leave claim form, filled in from the person's standing, as a PDF to hand in.

    claim (button, /claim, 申請表) ─► not claimable: where they stand
                                   └► state claim_wait: "姓名、服務單位、職稱" in one message
    that message ─► the PDF, at once: a document where the chat takes files (Telegram, the
                    console), else a short-lived single-use link (LINE, which cannot)

Name, unit and title are typed for this document only: they are used in this one turn and
never written anywhere (not in the state, not in the log).
"""

from __future__ import annotations

import logging
import re
from datetime import date

from bot.core.messages import Document, Reply
from bot.core.turn import Turn, button, reply
from bot.domain.claims import claimable, comp_leave
from bot.downloads import link
from bot.features.status import assess, assess_with_completions
from bot.i18n import t
from bot.render.claim_applicant import Applicant, ApplicantError
from bot.render.numbers import show_hours

log = logging.getLogger(__name__)
_FIELDS = re.compile(r"\s*(?:\n|[,，、;；])\s*")


def applicant_of(text: str) -> Applicant | None:
    """`王小明，人事處，科員` (commas, 、 or line breaks) → an Applicant; None unless three parts."""
    parts = [p for p in _FIELDS.split(text.strip()) if p.strip()]
    if len(parts) != 3:
        parts = text.split()
    return Applicant(*parts) if len(parts) == 3 else None


def _not_claimable() -> list[Reply]:
    return [reply(t("claim.error.not_claimable"), button("button.status", "st"), button("button.menu", "menu"))]


async def start(turn: Turn, args: tuple[str, ...] = ()) -> list[Reply]:
    if not claimable(await assess(turn)):
        return _not_claimable()
    turn.set_state("claim_wait")
    await turn.save()
    return [reply(t("claim.ask"), button("button.cancel", "cancel"))]


async def receive(turn: Turn, text: str) -> list[Reply]:
    """The person's name, unit and title: the form is made now, and they are forgotten."""
    try:
        applicant = applicant_of(text)
    except ApplicantError as error:
        field = t(f"claim.field.{error.field}")
        return [reply(t(error.key, field=field, **error.params), button("button.cancel", "cancel"))]
    if applicant is None:
        return [reply(t("claim.need_three"), button("button.cancel", "cancel"))]
    turn.set_state("")
    await turn.save()
    a, completions = await assess_with_completions(turn)
    outcome = comp_leave(a)
    if outcome is None:
        return _not_claimable()
    from bot.render.claim_pdf import claim_pdf, form_name  # fpdf2 and fontTools: loaded when a form is made

    try:
        pdf = claim_pdf(a, applicant, turn.lang, turn.today, completions=completions)
    except Exception:  # the font or the layout: the person still gets an answer
        log.exception("claim form for plan %s could not be made", a.plan.id)
        return [reply(t("claim.failed"), button("button.menu", "menu"))]
    log.info("claim form made for plan %s (%d bytes)", a.plan.id, len(pdf))
    document = Document(filename_for(a.plan.plan.roc_year, turn.today), "application/pdf", pdf)
    text = t("claim.ready", form=form_name(a, turn.lang), hours=show_hours(outcome.hours))
    buttons = (button("button.status", "st"), button("button.menu", "menu"))
    if turn.incoming.files:
        return [Reply(text, buttons, document=document)]
    services = turn.services
    if services.downloads is None or services.public_url is None:
        return [Reply(t("claim.no_link"), buttons)]
    url = link(services.public_url, services.downloads.put(document))
    return [Reply(text + "\n" + t("claim.link", url=url, minutes=services.downloads.minutes), buttons)]


def filename_for(roc_year: int, today: date) -> str:
    return f"{t('claim.filename')}-{roc_year}-{today:%Y%m%d}.pdf"
