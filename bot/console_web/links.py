"""One-time login links to HR's console, and the sessions they open.

An administrator gets a link from `/console` in the chat or `python -m bot admin link`; it
works once, within `LINK_TTL`, and opens a session of at most `SESSION_TTL` (a working day).
Tokens are 32 random bytes; the store keeps only their SHA-256 digests, so reading the
database gives nobody a way in. No aiohttp here: the chat command and the CLI use it too.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from bot.core.services import Services
from bot.storage.console import ConsoleSession

log = logging.getLogger(__name__)
LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=9)  # a working day, lunch included
LOGIN_PATH = "/console/login/"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def login_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + LOGIN_PATH + token


async def issue_link(services: Services, admin: str, actor: str, via: str) -> str:
    """A fresh one-time link for `admin` (who must be in BOT_ADMINS: the caller checks), audited
    as `actor`'s. Needs BOT_PUBLIC_URL (`services.public_url`): the caller checks that too."""
    assert services.public_url is not None and admin in services.admins
    token = new_token()
    expires = services.clock.now() + LINK_TTL
    await services.store.issue_console_link(digest(token), admin, expires)
    await services.store.audit(actor, "console.link_issued", {"for": admin, "via": via, "expires": expires.isoformat()})
    log.info("console link issued for %s (%s)", admin, via)
    return login_url(services.public_url, token)


async def open_session(services: Services, link_token: str) -> tuple[str, str] | None:
    """Redeem a link: (cookie token, admin) of a new session, or None (unknown, used, expired,
    or its admin no longer in BOT_ADMINS) with nothing opened."""
    now = services.clock.now()
    admin = await services.store.redeem_console_link(digest(link_token), now)
    if admin is None or admin not in services.admins:
        return None
    token = new_token()
    await services.store.open_console_session(digest(token), admin, new_token(), now + SESSION_TTL)
    return token, admin


async def find_session(services: Services, cookie_token: str | None) -> ConsoleSession | None:
    """The session a cookie names, while open and its admin is still configured."""
    if not cookie_token:
        return None
    session = await services.store.console_session(digest(cookie_token), services.clock.now())
    if session is None or session.admin not in services.admins:
        return None
    return session
