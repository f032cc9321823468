""" "In force on a day": the one definition for every dated model (units, recognitions, secondments, sponsor
assignments, the progress ledger).

A row is in force on `day` when it started on or before it (an empty start: since always) and has not ended before
it. Most end dates are the last day in force (a unit's `valid_to`, an assignment's `end_date`); a recognition's
`revoked_on` is the first day it no longer counts, so a model says which kind its end is.

Kept free of model imports so that every app's querysets can mix `InForceQuerySet` in.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q


def in_force_q(
    day: datetime.date,
    *,
    start: str,
    end: str,
    end_exclusive: bool = False,
    start_optional: bool = True,
    path: str = "",
) -> Q:
    """Rows in force on `day`, the dates read from the fields `start` and `end` (through `path`, e.g. "commune").
    `start_optional=False` for a start that is never empty: PostgreSQL's planner does not drop the IS NULL branch."""
    prefix = f"{path}__" if path else ""
    started = Q(**{f"{prefix}{start}__lte": day})
    if start_optional:
        started |= Q(**{f"{prefix}{start}__isnull": True})
    not_ended = Q(**{f"{prefix}{end}__isnull": True}) | Q(**{f"{prefix}{end}__{'gt' if end_exclusive else 'gte'}": day})
    return started & not_ended


def in_force(
    start: datetime.date | None, end: datetime.date | None, day: datetime.date, *, end_exclusive=False
) -> bool:
    """`in_force_q` for a row already loaded: the same rule, in Python."""
    if start is not None and start > day:
        return False
    return end is None or (end > day if end_exclusive else end >= day)


class InForceQuerySet(models.QuerySet):
    """`Model.objects.in_force_on(day)`; the model's queryset names its date fields."""

    in_force_fields = ("valid_from", "valid_to")
    in_force_end_exclusive = False

    def in_force_q(self, day: datetime.date, path: str = "") -> Q:
        start, end = self.in_force_fields
        return in_force_q(
            day,
            start=start,
            end=end,
            end_exclusive=self.in_force_end_exclusive,
            path=path,
            start_optional=self.model._meta.get_field(start).null,
        )

    def in_force_on(self, day: datetime.date):
        return self.filter(self.in_force_q(day))

    def in_force_during(self, first: datetime.date, last: datetime.date):
        """Rows in force on at least one day from `first` to `last`."""
        start, end = self.in_force_fields
        ended = f"{end}__{'gt' if self.in_force_end_exclusive else 'gte'}"
        return self.filter(Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": last})).filter(
            Q(**{f"{end}__isnull": True}) | Q(**{ended: first})
        )
