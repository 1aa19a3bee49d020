"""Announcements: compose → preview (recipients per channel, as Telegram and LINE show it,
LINE's quota) → send now or at a time (quiet hours need a tick) → live progress; a scheduled
one can be cancelled before its first send.

    index (form) ─► POST preview ─(errors)─► index again, nothing done
                                  └► preview page ─► POST send ─► queue_announcement ─► detail
    detail ─(every 2 s)─► progress JSON          detail ─► POST cancel ─► cancel_announcement
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.admin.broadcast import MAX_ANNOUNCEMENT, queue_announcement
from bot.admin.preview import Preview
from bot.admin.preview import preview as make_preview
from bot.admin.schedule import AnnouncementRefused, cancel_announcement, in_quiet_hours
from bot.console_web.context import actor_of, console_of
from bot.console_web.forms import AnnouncementForm
from bot.console_web.render import BASE, page
from bot.features.onboarding import plan_label
from bot.i18n import current_lang, t
from bot.storage.outbox import AUDIENCES, Broadcast

PROGRESS_EVERY = 2  # seconds between the progress page's polls
NONCE_KEEP = timedelta(days=2)  # a preview's send button works once


def _plans(request: web.Request) -> list[tuple[str, str]]:
    services = console_of(request).services
    return [(p.id, plan_label(p, current_lang())) for p in sorted(services.book, key=lambda p: p.id)]


def state(b: Broadcast) -> str:
    """scheduled, sending, done or cancelled: what the progress says."""
    if b.cancelled_at is not None:
        return "cancelled"
    if b.finished_at is not None:
        return "done"
    if b.scheduled:
        return "scheduled"
    return "sending"


def figures(b: Broadcast) -> dict[str, Any]:
    counts = {k: b.counts.get(k, 0) for k in ("sent", "blocked", "failed", "skipped")}
    return {
        "id": b.id, "state": state(b), "state_label": t(f"console.ann.state.{state(b)}"),
        "recipients": b.recipients, "open": b.open, "uncertain": b.uncertain, **counts,
        "final": b.finished_at is not None or b.cancelled_at is not None,
    }  # fmt: skip


async def _index(request: web.Request, form: AnnouncementForm | None = None, status: int = 200) -> web.Response:
    services = console_of(request).services
    recent = await services.store.broadcasts(30)
    return page(
        request, "announcements.html", status=status, title=t("console.nav.announcements"),
        form=form or AnnouncementForm(plan=_first_plan(request)), plans=_plans(request), audiences=AUDIENCES,
        limit=MAX_ANNOUNCEMENT, recent=[(b, figures(b)) for b in recent],
    )  # fmt: skip


def _first_plan(request: web.Request) -> str:
    offered = console_of(request).services.offered_plans()
    return offered[0].id if offered else ""


async def index(request: web.Request) -> web.StreamResponse:
    return await _index(request)


async def edit(request: web.Request) -> web.StreamResponse:
    """Back from the preview to the form, as it was filled in."""
    form = AnnouncementForm.read(await request.post(), console_of(request).services)
    form.errors.clear()
    return await _index(request, form)


async def _checked(request: web.Request) -> tuple[AnnouncementForm, Preview | None]:
    """The form read and checked, and its preview when it is right (None otherwise)."""
    console = console_of(request)
    form = AnnouncementForm.read(await request.post(), console.services)
    if not form.ok:
        return form, None
    shown = await make_preview(console.services, form.plan, form.audience, form.text)
    return form, shown


def _quiet(request: web.Request, form: AnnouncementForm) -> bool:
    console = console_of(request)
    return in_quiet_hours(console.reminders, form.send_at or console.services.clock.now())


def _preview_page(
    request: web.Request, form: AnnouncementForm, shown: Preview, status: int = 200, problem: str = "", reason: str = ""
) -> web.Response:
    console = console_of(request)
    return page(
        request, "announcement_preview.html", status=status, title=t("console.ann.preview_title"), form=form,
        preview=shown, plan_name=dict(_plans(request)).get(form.plan, form.plan), quiet=_quiet(request, form),
        reminders=console.reminders, problem=problem, reason=reason,
    )  # fmt: skip


async def preview(request: web.Request) -> web.StreamResponse:
    form, shown = await _checked(request)
    if shown is None:
        return await _index(request, form, status=400)
    form.nonce = secrets.token_urlsafe(16)
    return _preview_page(request, form, shown)


async def send(request: web.Request) -> web.StreamResponse:
    """Queue it. The audience and LINE's quota are judged again by `queue_announcement` itself
    (they may have moved since the preview; a refusal stores nothing), so the preview is only
    worked out again when the page must be shown once more."""
    console = console_of(request)
    services = console.services
    form = AnnouncementForm.read(await request.post(), services)
    if not form.ok:
        return await _index(request, form, status=400)
    problem = ""
    if _quiet(request, form) and not form.quiet_ok:
        problem = "quiet"
    elif not form.nonce or not await services.store.first_sighting(f"console:send:{form.nonce}", NONCE_KEEP):
        problem = "twice"
    reason = ""
    if not problem:
        try:
            stored, _audience = await queue_announcement(
                services, form.plan, form.audience, form.text, actor_of(request), send_at=form.send_at
            )
        except AnnouncementRefused as refused:  # LINE's quota cannot cover it, or its time has passed
            problem, reason = "refused", str(refused)
        else:
            if stored is not None:
                raise web.HTTPSeeOther(f"{BASE}/announcements/{stored.id}")
            problem = "nobody"
    shown = await make_preview(services, form.plan, form.audience, form.text)
    return _preview_page(request, form, shown, 409, problem, reason)


async def _broadcast(request: web.Request) -> Broadcast:
    found = await console_of(request).services.store.broadcast(int(request.match_info["id"]))
    if found is None:
        raise web.HTTPNotFound(text=t("console.ann.unknown"))
    return found


async def detail(request: web.Request) -> web.StreamResponse:
    b = await _broadcast(request)
    services = console_of(request).services
    return page(
        request, "announcement.html", title=t("console.ann.detail_title", id=b.id), b=b, f=figures(b),
        plan_name=dict(_plans(request)).get(b.plan_id, b.plan_id), every=PROGRESS_EVERY,
        audience=t(f"broadcast.audience.{b.audience}"), now=services.clock.now(),
        notice=request.query.get("notice", ""),
    )  # fmt: skip


async def progress(request: web.Request) -> web.StreamResponse:
    b = await _broadcast(request)
    return web.json_response(figures(b), headers={"Cache-Control": "no-store"})


async def cancel(request: web.Request) -> web.StreamResponse:
    b = await _broadcast(request)
    services = console_of(request).services
    if not await cancel_announcement(services, b.id, actor_of(request)):
        raise web.HTTPSeeOther(f"{BASE}/announcements/{b.id}?notice=not_cancelled")
    raise web.HTTPSeeOther(f"{BASE}/announcements/{b.id}?notice=cancelled")
