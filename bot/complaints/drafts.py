"""What a confirmed complaint or report form hands to the service: typed, one draft per case to file.

The form's slots are the form's business (bot/complaints/form.py); the service sees only these, so a
report can never be filed with a complaint's fields, nor a slot name mistyped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from bot.complaints.jurisdiction import Business

CaseKind = Literal["complaint", "report"]
"""投诉: the citizen's own dispute, mediated; 举报: a clue of a violation, verified (and perhaps filed)."""


@dataclass(frozen=True)
class Party:
    """The complainant or a named reporter (never stored for an anonymous report)."""

    name: str
    phone: str
    address: str = ""
    consented: bool = False
    """They agreed to the privacy notice in the dialog (a desk or phone intake records consent apart)."""


@dataclass(frozen=True)
class CaseDraft:
    kind: CaseKind
    business: Business
    business_name_key: str
    """The business name cleaned for grouping (same business, many complaints)."""
    facts: str
    """What happened (a complaint) or the violation seen (a report)."""
    occurred_on: date | None = None
    amount: Decimal | None = None
    demand: str = ""
    evidence: tuple[str, ...] = ()
    accepts_mediation: bool | None = None
    on_behalf: bool = False
    anonymous: bool = False
    consumer_field: str = "other"
    """The goods or services category suggested from the complaint's text."""
    warnings: tuple[str, ...] = ()
    """Form slots the citizen was warned about (a date over three years ago …)."""
    party: Party | None = None
