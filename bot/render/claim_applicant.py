"""Who claims comp leave, as typed for the claim form: checked before anything is printed,
never stored."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_FIELD = 40


class ApplicantError(ValueError):
    """A field the person typed cannot go on the form; `str()` is the message key."""

    def __init__(self, key: str, field: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.field, self.params = key, field, params


def _clean(field: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise ApplicantError("claim.error.empty", field)
    if len(text) > MAX_FIELD:
        raise ApplicantError("claim.error.too_long", field, max=MAX_FIELD)
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise ApplicantError("claim.error.control", field)
    return text


@dataclass(frozen=True)
class Applicant:
    """Who claims: typed for this document only (never stored). Fields are stripped."""

    name: str
    unit: str
    title: str

    def __post_init__(self) -> None:
        for field in ("name", "unit", "title"):
            object.__setattr__(self, field, _clean(field, getattr(self, field)))
