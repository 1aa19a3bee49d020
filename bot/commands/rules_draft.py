"""`python -m bot rules draft DOCUMENT [--id ID]`: a rules file drafted from a plan document
(text copied from the PDF, a PDF with a text layer, or a .docx), printed to standard output,
with the points HR must confirm marked `# 請確認：…` and listed on standard error.

The draft is checked as `rules check` would check it before it is printed; one that would not
pass is a bug of the drafting, reported as such (exit 1), never handed to HR as if it were fine.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.i18n import t, using
from bot.plans.draft.emit import build, render
from bot.plans.draft.extract import DraftError, extract, facts_json
from bot.plans.draft.sources import document_text
from bot.plans.loader import PlanError, parse_plan


def draft_text(path: Path, plan_id: str | None = None) -> tuple[str, str, list[str]]:
    """(plan id, the rules file's text, points to confirm) for one document."""
    facts = extract(document_text(path))
    found = plan_id or facts.id or path.stem.removesuffix("-plan")
    draft = build(facts_json(facts), facts.uncertain)
    return found, render(draft, path.name), draft.points


def run_rules_draft(document: str, plan_id: str | None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    with using("zh-TW"):
        try:
            found, text, points = draft_text(Path(document), plan_id)
        except DraftError as error:
            print(f"error: {error}", file=err)
            return 1
        try:
            parse_plan(text, found, f"{found}.yaml")
        except PlanError as error:
            print(t("rules.draft_invalid", problems="\n".join(error.problems)), file=err)
            return 1
        out.write(text)
        print(t("rules.draft_summary", id=found, count=len(points)), file=err)
        for point in points:
            print(f"・{point}", file=err)
    return 0
