"""Garbage collection held off while the service starts, then what it built set aside.

Starting makes over a hundred thousand objects that live as long as the process (the SDKs'
and the rules' model classes, the vocabulary, the matchers). CPython's collector, started by
allocation counts, walks all of them again and again while they are made (about a tenth of
the start-up) and then in every full collection for as long as the process runs. So
`python -m bot` holds collection off from its first line (`hold`); once the service is
built (before it waits on the platforms, the database's leases or a signal), `release`
calls `gc.freeze()`, which moves every object there is out of the collector's sight, and
resumes collection: the pattern the `gc` documentation gives for a process that builds
long-lived state first. What start-up left as cyclic garbage stays (about 2,000 objects,
measured); a full collection there instead would stop the service for some 70 ms.
Commands other than `run` release at once.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def hold() -> None:
    """No automatic collection until `release` (reference counting still frees as usual)."""
    gc.disable()


def held() -> bool:
    return not gc.isenabled()


def release() -> None:
    """Set what exists aside and resume collection; a no-op unless held."""
    if not held():
        return
    gc.freeze()
    gc.enable()
    log.debug("start-up objects set aside from garbage collection: %d", gc.get_freeze_count())
