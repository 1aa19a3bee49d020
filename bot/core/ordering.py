"""One person's messages are handled one at a time, in the order they came, and whoever holds
the turn can ask whether more of that person's messages are waiting (several screenshots
sent together get one answer). Used by the core and by the channels, whose own per-person
order also covers fetching a picture and sending the answer."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager


class PersonLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = weakref.WeakValueDictionary()
        self._waiting: dict[Hashable, int] = {}

    def lock(self, key: Hashable) -> asyncio.Lock:
        found = self._locks.get(key)
        if found is None:
            found = self._locks[key] = asyncio.Lock()
        return found

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[Callable[[], bool]]:
        """The person's turn; yields "are more of their messages waiting?", asked when it matters."""
        lock = self.lock(key)  # a strong reference while waiting, so the lock outlives the dict entry
        self._waiting[key] = self._waiting.get(key, 0) + 1
        queued = True
        try:
            async with lock:
                self._waiting[key] -= 1
                queued = False
                yield lambda: self._waiting.get(key, 0) > 0
        finally:
            if queued:  # cancelled while waiting
                self._waiting[key] -= 1
            if not self._waiting.get(key):
                self._waiting.pop(key, None)
