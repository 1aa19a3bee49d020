"""Plans: each rules file with its summary and published versions; upload a new or changed
file → `rules check`'s errors for it → try questions as `ask` would → publish (every instance
serves it within seconds, the previous version kept: bot.plans.published).

    index ─► POST check (file or pasted text) ─(errors)─► the errors, nothing stored
                                               └► ok: summary, try form, publish form
             POST try ─► the answers, as `ask --json`      POST publish ─► index, notice
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.commands.rules_check import summary_line
from bot.console_web.context import actor_of, console_of
from bot.console_web.forms import FileField, FormData, text_field
from bot.console_web.render import BASE, page
from bot.i18n import current_lang, t
from bot.plans.published import check_plan_text, plan_history, publish_plan, try_questions

FILENAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.yaml$")
MAX_QUESTIONS = 20


async def index(request: web.Request, **extra: Any) -> web.StreamResponse:
    services = console_of(request).services
    plans = []
    for plan in sorted(services.book, key=lambda p: p.id):
        history = await plan_history(services, f"{plan.id}.yaml")
        plans.append({"id": plan.id, "summary": summary_line(plan), "history": history})
    extra.setdefault("notice", request.query.get("published", ""))
    extra.setdefault("version", request.query.get("version", ""))
    return page(request, "plans.html", title=t("console.nav.plans"), plans=plans, **extra)


def _upload(form: FormData) -> tuple[str, str, str | None]:
    """(file name, text, problem): from the uploaded file, else the pasted text."""
    upload = form.get("file")
    filename, text = text_field(form, "filename"), form.get("text")
    if isinstance(upload, FileField) and upload.filename:
        filename = filename or upload.filename
        raw = upload.file.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return filename, "", t("console.plans.not_utf8")
    text = text.replace("\r\n", "\n") if isinstance(text, str) else ""
    if not FILENAME.match(filename):
        return filename, text, t("console.plans.bad_name")
    if not text.strip():
        return filename, text, t("console.plans.empty")
    return filename, text, None


async def check(request: web.Request) -> web.StreamResponse:
    filename, text, problem = _upload(await request.post())
    errors = [problem] if problem else check_plan_text(filename, text)
    await console_of(request).services.store.audit(
        actor_of(request), "plan.checked", {"file": filename, "errors": len(errors)}
    )
    return page(request, "plan_check.html", status=400 if errors else 200, title=t("console.plans.check_title"),
                filename=filename, text=text, errors=errors, results=None, questions="")  # fmt: skip


async def try_(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    filename, text, problem = _upload(form)
    errors = [problem] if problem else check_plan_text(filename, text)
    typed = text_field(form, "questions")
    questions = [q.strip() for q in typed.splitlines() if q.strip()][:MAX_QUESTIONS]
    results = None
    if not errors and questions:
        await console_of(request).services.store.audit(
            actor_of(request), "plan.tried", {"file": filename, "questions": len(questions)}
        )
        results = await try_questions(console_of(request).services, text, questions, current_lang(), filename=filename)
    return page(request, "plan_check.html", status=400 if errors else 200, title=t("console.plans.check_title"),
                filename=filename, text=text, errors=errors, results=results, questions=typed)  # fmt: skip


async def publish(request: web.Request) -> web.StreamResponse:
    filename, text, problem = _upload(await request.post())
    errors = [problem] if problem else check_plan_text(filename, text)
    if errors:
        return page(request, "plan_check.html", status=400, title=t("console.plans.check_title"),
                    filename=filename, text=text, errors=errors, results=None, questions="")  # fmt: skip
    version = await publish_plan(console_of(request).services, filename, text, actor_of(request))
    raise web.HTTPSeeOther(f"{BASE}/plans?published={filename}&version={version}")
