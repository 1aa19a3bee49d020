"""`python -m bot rules check [FILE…]`: validate rules files before HR publishes them."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bot.i18n import t, using
from bot.plans.loader import DEFAULT_RULES_DIR, PlanError, load_plan, rules_files
from bot.plans.model import Plan
from bot.render.numbers import num, show_date
from bot.render.status import join_names


def summary_line(plan: Plan) -> str:
    deadlines = join_names(
        f"{r.label.get('zh-TW') if r.label else t('reward.comp_leave')} {show_date(day)}"
        for r in plan.rewards
        for _, day in r.dates
    )
    return t(
        "rules.summary",
        id=plan.id,
        city=plan.plan.city.get("zh-TW"),
        year=plan.plan.roc_year,
        bundles=len(plan.bundles),
        groups=len(plan.groups),
        courses=plan.course_count,
        hours=num(plan.total_hours),
        deadlines=deadlines or t("rules.no_deadline"),
    )


def run_rules_check(files: Sequence[str], lang: str = "zh-TW", directory: Path = DEFAULT_RULES_DIR) -> int:
    """Check `files`, or with none every file in `directory` (the command line passes RULES_DIR's)."""
    with using(lang):
        paths = [Path(f) for f in files] if files else rules_files(directory)
        if not paths:
            print(t("rules.none_found", folder=directory), file=sys.stderr)
            return 1
        failed = 0
        for path in paths:
            try:
                plan = load_plan(path)
            except PlanError as exc:
                failed += 1
                for problem in exc.problems:
                    print(problem, file=sys.stderr)
                continue
            print(summary_line(plan))
        print(t("rules.result", ok=len(paths) - failed, failed=failed), file=sys.stderr if failed else sys.stdout)
        return 1 if failed else 0
