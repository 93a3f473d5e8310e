"""Typical cases (典型案例): a closed case turned into a publishable text with no names, phones, addresses
or exact dates; the business is named only when the case found a violation (a report filed as a case)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo

from bot import texts
from bot.complaints.models import CasePartyRow, CaseRow
from bot.db import as_utc
from bot.privacy import mask

EXACT_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
DAY_OF_MONTH = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
FOUND_VIOLATION = ("filed",)
"""Statuses in which a case established a violation: only then may the business be named."""


def anonymise(text: str, case: CaseRow, party: CasePartyRow | None) -> str:
    """The text without the party's identity, personal data in general, exact days, and (unless a violation
    was found) the business's name."""
    for secret in (party.name, party.phone, party.phone.removeprefix("+86"), party.address) if party else ():
        if secret:
            text = text.replace(secret, texts.TYPICAL_SOMEONE)
    text = mask(text)
    text = EXACT_DATE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月", text)
    text = DAY_OF_MONTH.sub(lambda m: f"{int(m.group(1))}月", text)
    if case.status not in FOUND_VIOLATION and case.business_name:
        text = text.replace(case.business_name, texts.TYPICAL_BUSINESS)
    return text


def draft(case: CaseRow, party: CasePartyRow | None, field_labels: Mapping[str, str], zone: tzinfo
          ) -> dict[str, str]:
    """A title and body for a supervisor to review before publishing."""
    field = field_labels.get(case.consumer_field, "")
    business = case.business_name if case.status in FOUND_VIOLATION else texts.TYPICAL_BUSINESS
    body = texts.TYPICAL_BODY.format(
        business=business, facts=anonymise(case.facts, case, party), demand=case.demand or texts.NONE,
        outcome=texts.CASE_STATUSES[case.status],
        month=as_utc(case.received_at).astimezone(zone).strftime("%Y年%-m月"))
    return {"title": texts.TYPICAL_TITLE.format(field=field or texts.TYPICAL_GENERIC_FIELD), "body": body}
