"""Whether a person has a comp-leave claim to hand in: pure, and light to import (the PDF
that fills the claim in is made elsewhere, only when asked for)."""

from __future__ import annotations

from bot.domain.eligibility import Assessment, RewardOutcome


def comp_leave(assessment: Assessment) -> RewardOutcome | None:
    """The comp-leave reward the person has hours under, if any."""
    return next((r for r in assessment.rewards if r.reward.type == "comp_leave" and r.hours > 0), None)


def claimable(assessment: Assessment) -> bool:
    """Whether there is a form to print: comp-leave hours earned under a comp_leave reward."""
    return assessment.comp_leave_hours > 0 and comp_leave(assessment) is not None
