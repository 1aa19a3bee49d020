"""`python -m bot stats [--csv]`: the same aggregate figures as /stats, for HR's spreadsheet."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.admin.stats import collect, render_stats, stats_csv
from bot.commands.operator import operator, session
from bot.config import Settings


async def run_stats(settings: Settings, as_csv: bool, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    async with session(settings) as dialogue:
        services = dialogue.services
        figures = await collect(services)
        await services.store.audit(operator(), "stats.export" if as_csv else "stats.viewed", {"csv": as_csv})
        out.write(stats_csv(figures) if as_csv else render_stats(figures, services) + "\n")
    return 0
