"""Garbage collection is held off only while the service starts (bot/gc_pause.py): a command
that is not the service, and the service once started, collect as usual."""

from __future__ import annotations

import subprocess
import sys


def test_a_command_other_than_run_collects_garbage_as_usual() -> None:
    probe = (
        "import gc, sys\n"
        "from bot import gc_pause\n"
        "gc_pause.hold()\n"
        "from bot.cli import main\n"
        "code = main(['rules', 'check'])\n"
        "assert gc.isenabled(), 'collection left off'\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-800:]


def test_releasing_sets_what_exists_aside_and_resumes_collection() -> None:
    probe = (
        "import gc\n"
        "from bot import gc_pause\n"
        "gc_pause.hold(); assert gc_pause.held()\n"
        "kept = [[] for _ in range(1000)]\n"
        "gc_pause.release()\n"
        "assert gc.isenabled() and gc.get_freeze_count() >= 1000\n"
        "gc_pause.release()  # a second call changes nothing\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
