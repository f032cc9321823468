"""Model fields for text people type, and form fields for the figures people type (issue 19: see the end of this
docstring).

Text: model fields: stored in Unicode NFC with surrounding whitespace trimmed (issue 16).

Why at the model field, not in serializers and forms: text reaches the tables through the API, the browser forms,
the admin, Excel uploads, management commands and services, and only the model field sees all of them. The field
normalises at three points, so that no path gets past it:

- on assignment (`agency.name = value`, `Agency(name=value)`, rows loaded from the database): the record in memory
  already holds what will be stored, so `full_clean()`'s unique checks, the services' "did it change?" comparisons
  and the change logs all see the normalised text;
- in `to_python` / `get_prep_value`: what `.update()`, `bulk_update()` and query lookups send to the database
  (`Agency.objects.filter(name=<NFD name>)` finds the stored NFC name, which is how DRF's unique validators look);
- in the form field (ModelForms and the admin), so that `cleaned_data` is normalised too.

Database unique constraints then hold on the normalised text, as no other form of it can be written.

Figures: `VietnameseDecimalField` and `MoneyField` are the form fields of every number and amount people type in the
browser forms (indicator values, days on site, support in đồng): they read "85,5" and "85.5", "50.000.000" and
"12,5 triệu" alike (ntm_portal.formats.parse_number), and say what to type otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import formats
from .text import normalize_text


class NormalizedFormCharField(forms.CharField):
    def to_python(self, value):
        return normalize_text(super().to_python(value))


class VietnameseDecimalField(forms.DecimalField):
    """A decimal typed the Vietnamese way or the English way: "85,5", "85.5", "1.234,5" (ntm_portal.formats
    .parse_number), and shown back the Vietnamese way ("85,5"). A text box with a decimal keypad: a type=number input
    refuses the comma on some phones, and its max/step attributes would refuse "85,5" before the server reads it."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {"invalid": formats.INVALID_NUMBER}

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return super().to_python(value)
        try:
            return formats.parse_number(value)
        except formats.NumberSyntaxError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return formats.number_input(value) if isinstance(value, int | float | Decimal) else value

    def widget_attrs(self, widget):
        return {}


class MoneyField(forms.IntegerField):
    """Đồng, typed as people write them: "50.000.000", "50000000", "50 000 000 đ", "12,5 triệu" (= 12.500.000);
    shown back as "50.000.000". A fraction of a đồng is refused."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": formats.INVALID_NUMBER,
        "fraction": gettext_lazy("Số tiền tính bằng đồng, không có phần lẻ."),
    }

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int):
            return value
        try:
            amount = formats.parse_number(str(value))
        except formats.NumberSyntaxError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount != amount.to_integral_value():
            raise ValidationError(self.error_messages["fraction"], code="fraction")
        return int(amount)

    def prepare_value(self, value):
        return formats.number_input(value) if isinstance(value, int) else value

    def widget_attrs(self, widget):
        return {}


class _NormalizedAttribute(DeferredAttribute):
    """The field's attribute on the model: whatever str is assigned is kept normalised."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = normalize_text(value)


class _NormalizedTextMixin:
    descriptor_class = _NormalizedAttribute

    def to_python(self, value):
        return normalize_text(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NormalizedFormCharField, **kwargs})


class NormalizedCharField(_NormalizedTextMixin, models.CharField):
    """A CharField whose text is stored in NFC, trimmed: names, titles, decision numbers, signers."""


class NormalizedTextField(_NormalizedTextMixin, models.TextField):
    """A TextField whose text is stored in NFC, trimmed: notes, comments, descriptions."""


def normalize_stored_text(model, field_names: list[str], *, batch_size: int = 2000, stdout=None) -> int:
    """Rewrite the rows of `model` whose `field_names` are not yet normalised; returns how many were rewritten.

    For data migrations: reads the raw values in batches of `batch_size` (keyset on the primary key), and writes only
    the rows that change, so that it costs one read of the table and no write on clean data. A row whose normalised
    text would collide with another row under a unique constraint ("Sở Y tế" and "Sở Y tế " in the same province)
    gets " (2)", " (3)"... appended and is reported on `stdout`, for someone to merge the two: the migration neither
    fails nor silently drops a record.
    """
    rewritten = 0
    last_pk = None
    rows = model._default_manager.order_by("pk")
    while True:
        batch = rows.filter(pk__gt=last_pk) if last_pk is not None else rows
        batch = list(batch.values_list("pk", *field_names)[:batch_size])
        if not batch:
            return rewritten
        last_pk = batch[-1][0]
        for pk, *values in batch:
            changes = {
                name: normalize_text(value)
                for name, value in zip(field_names, values, strict=True)
                if normalize_text(value) != value
            }
            if changes:
                _rewrite(model, pk, changes, stdout)
                rewritten += 1


def _unique_field_names(model) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique}
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()))
    for fields in model._meta.unique_together:
        names.update(fields)
    return names


def _marked(model, name: str, value: str, suffix: str) -> str:
    limit = model._meta.get_field(name).max_length
    return (value[: limit - len(suffix)] if limit else value) + suffix


def _rewrite(model, pk, changes: dict[str, str], stdout) -> None:
    try:
        with transaction.atomic():
            model._default_manager.filter(pk=pk).update(**changes)
            return
    except IntegrityError:
        pass
    unique = _unique_field_names(model)
    for n in range(2, 100):
        suffix = f" ({n})"
        marked = {
            name: _marked(model, name, value, suffix) if name in unique else value for name, value in changes.items()
        }
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=pk).update(**marked)
        except IntegrityError:
            continue
        if stdout is not None:
            stdout.write(f"  {model._meta.label} #{pk}: duplicate once normalised, renamed to {marked}\n")
        return
    raise IntegrityError(f"{model._meta.label} #{pk}: cannot normalise {sorted(changes)} without a duplicate")


class NameUniqueWithinMixin:
    """For a model whose `name` is unique within another field (an agency's unit, a batch's province): a clash is
    the name's error, in words a person reads ("Đã có cơ quan, đơn vị tên này trong Tỉnh Thái Nguyên."), instead of
    Django's record-level "… with this Unit and Name already exists" that names no field."""

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            record_errors = errors.pop(NON_FIELD_ERRORS, [])
            for item in record_errors:
                check = (getattr(item, "params", None) or {}).get("unique_check", ())
                if getattr(item, "code", None) == "unique_together" and "name" in check:
                    within = next(field for field in check if field != "name")
                    message = _("Đã có %(model)s tên này trong %(within)s.") % {
                        "model": self._meta.verbose_name,
                        "within": getattr(self, within),
                    }
                    errors.setdefault("name", []).append(ValidationError(message, code="unique"))
                else:
                    errors.setdefault(NON_FIELD_ERRORS, []).append(item)
            raise ValidationError(errors) from error
