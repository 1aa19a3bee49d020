"""Who may use the console: the guard every request passes, and signing in and out.

    chat /console or `admin link` ─► GET /console/login/<token>   (a page with one button:
                                      a link preview fetching the URL does not use it up)
                                  ─► POST /console/login          redeems it once, opens a
                                      session, sets the cookie ─► /console/
    every other request ─► session cookie → open session of a configured admin, else refused
    every POST          ─► its form's `csrf` equals the session's, else refused, nothing done
    POST /console/logout ─► the session is closed for every instance

Refusals are pages that say what to do next (send /console again), with status 401 or 403.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.console_web.context import SESSION, console_of, session_of
from bot.console_web.links import SESSION_TTL, digest, find_session, open_session
from bot.console_web.render import BASE, page, secure_headers
from bot.i18n import DEFAULT_LANG, LANGS, using
from bot.web import Handler

log = logging.getLogger(__name__)
COOKIE = "elearn_console"
LANG_COOKIE = "elearn_console_lang"
PUBLIC = frozenset({"login_page", "login", "static", "signed_out"})  # routes needing no session
CSRF_FIELD = "csrf"


def request_lang(request: web.Request) -> str:
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return chosen if chosen in LANGS else DEFAULT_LANG


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Language, session and CSRF for every console request; security headers on every answer."""
    lang = request_lang(request)
    with using(lang):
        try:
            response = await _guarded(request, handler)
        except web.HTTPException as exc:  # redirects and aiohttp's own errors get the headers too
            secure_headers(exc)
            raise
        if "lang" in request.query and request.query["lang"] in LANGS:
            response.set_cookie(LANG_COOKIE, lang, path=BASE, samesite="Strict", max_age=365 * 86400)
        secure_headers(response)
        return response


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == BASE:  # /console without its slash: the overview's address
        raise web.HTTPPermanentRedirect(BASE + "/")
    route = request.match_info.route.name
    if route in PUBLIC:
        return await handler(request)
    console = console_of(request)
    session = await find_session(console.services, request.cookies.get(COOKIE))
    if session is None:
        log.info("console: %s %s refused: no session", request.method, request.path)
        return page(request, "refused.html", status=401, reason="no_session")
    request[SESSION] = session
    if request.method == "POST":
        form = await request.post()
        sent = form.get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            log.warning("console: %s %s refused for %s: CSRF token missing or wrong", request.method,
                        request.path, session.admin)  # fmt: skip
            await console.services.store.audit(session.admin, "console.csrf_refused", {"path": request.path})
            return page(request, "refused.html", status=403, reason="csrf")
    return await handler(request)


async def login_page(request: web.Request) -> web.StreamResponse:
    """The link's landing page: one button that signs in. Nothing is used up by looking."""
    return page(request, "login.html", token=request.match_info["token"])


async def login(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    token = form.get("token")
    opened = await open_session(console.services, token) if isinstance(token, str) and token else None
    if opened is None:
        log.warning("console: a login link was refused (unknown, used, expired or not an admin's)")
        await console.services.store.audit("console:unknown", "console.login_refused", {})
        return page(request, "refused.html", status=403, reason="link")
    cookie, admin = opened
    await console.services.store.audit(admin, "console.login", {"hours": SESSION_TTL.total_seconds() / 3600})
    log.info("console: %s signed in", admin)
    response = web.HTTPSeeOther(BASE + "/")
    response.set_cookie(
        COOKIE, cookie, path=BASE, httponly=True, secure=console.secure_cookies, samesite="Strict",
        max_age=int(SESSION_TTL.total_seconds()),
    )  # fmt: skip
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    admin = session_of(request).admin
    await console.services.store.close_console_session(digest(request.cookies.get(COOKIE, "")))
    await console.services.store.audit(admin, "console.logout", {})
    response = web.HTTPSeeOther(BASE + "/signed-out")
    response.del_cookie(COOKIE, path=BASE)
    raise response


async def signed_out(request: web.Request) -> web.StreamResponse:
    return page(request, "refused.html", reason="signed_out")
