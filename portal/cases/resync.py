"""What changed in a municipality's cases since a moment, in (updated_at, id) order: an
integration catching up after downtime walks it page by page (``GET /api/v1/cases``).

Keyset pages on the index ``ix_case_updated``: the next page starts after the last row's
(updated_at, id), so a case changed while the integration pages comes again later, never is
skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.cases.models import Case, CaseStatus

RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                     r"([Zz]|[+-]\d{2}:\d{2})$")


def parse_moment(text: str) -> datetime | None:
    """An RFC 3339 date-time (any precision, ``Z`` or an offset) in UTC; None if it is none.
    Moments beyond what a datetime holds in UTC are clamped (the list is then empty or whole).
    """
    match = RFC3339.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = int(((match.group(7) or ".0")[1:] + "000000")[:6])
    zone = match.group(8).upper()
    offset = timedelta(0) if zone == "Z" else (1 if zone[0] == "+" else -1) * timedelta(
        hours=int(zone[1:3]), minutes=int(zone[4:6]))
    try:
        local = datetime(year, month, day, hour, minute, min(second, 59), fraction)
    except ValueError:
        return None
    try:
        return (local - offset).replace(tzinfo=UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if offset > timedelta(0) \
            else datetime.max.replace(tzinfo=UTC)


def changed_cases(session: Session, municipality_id: int, *, since: datetime | None = None,
                  status: CaseStatus | None = None, after: tuple[datetime, int] | None = None,
                  limit: int = 100) -> Sequence[Case]:
    query = (sa.select(Case).where(Case.municipality_id == municipality_id)
             .options(selectinload(Case.assignee))
             .order_by(Case.updated_at, Case.id).limit(limit))
    if since is not None:
        query = query.where(Case.updated_at >= since)
    if status is not None:
        query = query.where(Case.status == status)
    if after is not None:
        query = query.where(sa.tuple_(Case.updated_at, Case.id) > after)
    return session.scalars(query).all()
