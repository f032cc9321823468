"""Reads of the secondment side's change history (issue 15): who changed a record, when, and what, old → new.

The rows are django-simple-history's (secondments.models `_history`); what changed is each row diffed against the
record's previous row (`diff_against`). Every read here costs a fixed number of queries whatever the number of rows:
per history table, one for the rows (with each row's previous row id and the total count), one for the previous
rows; then one per kind of record a changed key points to (a cadre, a commune...), for its label.

Scope is the caller's: these functions are handed a record the user may see (a view's or a viewset's scoped get).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, OuterRef, QuerySet, Subquery, Window
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ntm_portal import formats

from .models import FieldVisit, Secondment, SponsorAssignment, SupportContribution, WorkPlan, WorkPlanItem

HISTORY_LIMIT = 50  # rows a page shows; the count tells how many there are in all

CHANGES = {"+": "created", "~": "changed", "-": "deleted"}
# A change as the history names it ("Changed"; the buttons' "Sửa" is "Edit").
CHANGE_LABELS = {
    "created": pgettext_lazy("history", "Tạo"),
    "changed": pgettext_lazy("history", "Sửa"),
    "deleted": pgettext_lazy("history", "Xóa"),
}

# The joins a record's label (its __str__) reads, so that labelling a kind of record is one query.
LABEL_JOINS = {
    Secondment: ("cadre", "commune"),
    SponsorAssignment: ("agency", "commune"),
    WorkPlan: (),
    FieldVisit: ("agency", "commune"),
}


@dataclass
class FieldChange:
    field: str  # the model field's name
    label: str  # its verbose name (the page's)
    old: Any  # the stored values: a key's id, a date, a choice's value
    new: Any
    old_text: str = ""  # as a person reads them: the record's label, 03/02/2024, the choice's label
    new_text: str = ""
    is_key: bool = False  # a foreign key: `old` and `new` are ids

    @property
    def api_name(self) -> str:
        """The name the record's API endpoint gives the field: a key's ends in `_id` (`commune_id`)."""
        return f"{self.field}_id" if self.is_key else self.field


@dataclass
class HistoryEntry:
    changed_at: datetime.datetime
    user: Any  # ntm_portal.User, or None for a change no user made (a command, a migration)
    change: str  # created / changed / deleted
    record: str  # which record, for a page that lists several kinds ("Chuyến công tác xã 03/02/2024")
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def change_label(self) -> str:
        return str(CHANGE_LABELS[self.change])

    @property
    def who(self) -> str:
        if self.user is None:
            return _("(hệ thống)")
        return self.user.get_full_name() or self.user.get_username()


def history_of(record: models.Model) -> QuerySet:
    """The record's history rows, newest first, ready for `history_entries` (and for a paginator)."""
    return _prepared(type(record).history.filter(id=record.pk))


def record_history(record: models.Model, *, limit: int = HISTORY_LIMIT) -> tuple[list[HistoryEntry], int]:
    """The newest `limit` changes of one record, and how many there are in all."""
    rows = list(history_of(record)[:limit])
    return history_entries(rows), _total(rows)


def assignment_history(assignment: SponsorAssignment, *, limit: int = HISTORY_LIMIT) -> tuple[list[HistoryEntry], int]:
    """The newest `limit` changes of an assignment, of its work plans and their items, and of the field visits and
    support of its agency at its commune, and how many there are in all.

    A visit or a contribution counts in the versions that were the agency's at the commune: one moved to another
    commune shows up to the change that moved it in (not what it became there, which another unit may own)."""
    plans = WorkPlan.history.filter(assignment_id=assignment.pk).values("id")
    sources = [
        SponsorAssignment.history.filter(id=assignment.pk),
        WorkPlan.history.filter(assignment_id=assignment.pk),
        WorkPlanItem.history.filter(work_plan_id__in=plans),
        FieldVisit.history.filter(agency_id=assignment.agency_id, commune_id=assignment.commune_id),
        SupportContribution.history.filter(giver_id=assignment.agency_id, commune_id=assignment.commune_id),
    ]
    rows, total = [], 0
    for source in sources:
        some = list(_prepared(source)[:limit])
        rows += some
        total += _total(some)
    rows.sort(key=lambda row: row.history_date, reverse=True)
    return history_entries(rows[:limit]), total


def _prepared(history: QuerySet) -> QuerySet:
    previous = (
        history.model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    return (
        history.select_related("history_user")
        # The row each one is diffed against, and the count of all rows (a window over the filtered rows, computed
        # before the page's LIMIT): both in the rows' own query.
        .annotate(previous_history_id=Subquery(previous), history_total=Window(Count("history_id")))
        .order_by("-history_date", "-history_id")
    )


def _total(rows: list) -> int:
    return rows[0].history_total if rows else 0


def history_entries(rows: list, *, texts: bool = True) -> list[HistoryEntry]:
    """Each history row (from `history_of` / `_prepared`) with what it changed from the record's row before it;
    `texts=False` leaves out the values as a person reads them (the API's JSON carries the stored values)."""
    previous_ids = defaultdict(list)
    for row in rows:
        if row.history_type == "~" and row.previous_history_id is not None:
            previous_ids[type(row)].append(row.previous_history_id)
    previous = {}
    for history_model, ids in previous_ids.items():
        previous.update({(history_model, p.history_id): p for p in history_model.objects.filter(history_id__in=ids)})

    diffs = []
    keys = defaultdict(set)  # related model -> ids whose label is needed
    for row in rows:
        before = previous.get((type(row), row.previous_history_id)) if row.history_type == "~" else None
        changes = _changes(row, before) if before is not None else []
        for change in changes:
            related = _related_model(row, change.field) if texts else None
            if related is not None:
                keys[related].update(v for v in (change.old, change.new) if v is not None)
        diffs.append(changes)

    labels = _labels(keys) if texts else {}
    entries = []
    for row, changes in zip(rows, diffs, strict=True):
        for change in changes:
            if texts:
                change.old_text = _text(row, change.field, change.old, labels)
                change.new_text = _text(row, change.field, change.new, labels)
            change.old, change.new = _plain(change.old), _plain(change.new)
        entries.append(
            HistoryEntry(
                changed_at=row.history_date,
                user=row.history_user,
                change=CHANGES[row.history_type],
                record=_record_label(row),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _changes(row, before) -> list[FieldChange]:
    original = row.instance_type
    order = {f.name: i for i, f in enumerate(original._meta.concrete_fields)}
    delta = row.diff_against(before, excluded_fields=["id"])
    changes = [
        FieldChange(
            field=c.field,
            label=str(original._meta.get_field(c.field).verbose_name),
            old=c.old,
            new=c.new,
            is_key=original._meta.get_field(c.field).many_to_one,
        )
        for c in delta.changes
    ]
    return sorted(changes, key=lambda c: order.get(c.field, len(order)))


def _related_model(row, name: str) -> type[models.Model] | None:
    model_field = row.instance_type._meta.get_field(name)
    return model_field.related_model if model_field.many_to_one else None


def _labels(keys: dict[type[models.Model], set]) -> dict[tuple[type[models.Model], Any], str]:
    labels = {}
    for model, ids in keys.items():
        # The base manager: a label is wanted whatever a default manager would leave out.
        rows = model._base_manager.filter(pk__in=ids).select_related(*LABEL_JOINS.get(model, ()))
        labels.update({(model, obj.pk): str(obj) for obj in rows})
    return labels


def _text(row, name: str, value: Any, labels: dict) -> str:
    if value is None or value == "":
        return "—"
    model_field = row.instance_type._meta.get_field(name)
    if model_field.many_to_one:
        return labels.get((model_field.related_model, value), _("#%(id)s (đã xóa)") % {"id": value})
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return formats.date_text(value)
    if isinstance(value, Decimal):
        return formats.number(value)
    if isinstance(value, int) and name == "value_vnd":
        return formats.vnd(value)
    return str(value)


def _plain(value: Any) -> Any:
    """A value as the API's JSON carries it: decimals as strings, as the serializers write them."""
    return str(value) if isinstance(value, Decimal) else value


def _record_label(row) -> str:
    """Which record a row is about, from the row's own columns (no query)."""
    model = row.instance_type
    name = str(model._meta.verbose_name)
    name = name[:1].upper() + name[1:]
    if model is FieldVisit:
        return f"{name} {row.visit_date:%d/%m/%Y}"
    if model is SupportContribution:
        return f"{name}: {row.description}"
    if model in (WorkPlan, WorkPlanItem):
        return f"{name}: {row.title}"
    return name
