"""FilterSets of administrative units, shared by the browser lists and the API; and the filters every app's
FilterSets build on (communes is the app every other one depends on).

Filter pairs as NetBox has them: `<field>_id` takes primary keys, `<field>` takes official codes; both accept several
values, always as the parameter repeated (`?district_id=3&district_id=4`), never comma-separated. A key or a code the
user cannot see is refused like one that does not exist (400, "Không có đơn vị 3 trong phạm vi của bạn."), so a filter
neither leaks another unit's rows nor their existence. Every record that belongs to a commune takes the same six
(`commune_filters`). Whole numbers are whole (`IntegerFilter`) and booleans true or false (`BooleanFilter`).

The FilterSets tolerate parameters they do not know (a browser list's `page`, `sort`, `format=xlsx`); the API refuses
them (ntm_portal.api.filters.check_query_parameters).
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields

from ntm_portal.text import fold_vietnamese

from .choices import UnitKind, UnitLevel
from .models import AdministrativeUnit, UnitSuccession

# Primary keys are 64-bit: a larger number is no key, and SQLite cannot even bind it (OverflowError).
MAX_ID = 2**63 - 1
SEARCH_MAX_LENGTH = 100
CODE_MAX_LENGTH = 40


class _BoundedIdsField(filter_fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            text = str(item)
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)


# Every filter that takes several values takes them as the parameter repeated, never comma-separated.
SEVERAL_VALUES = _("lặp lại tham số để chọn nhiều giá trị (?x=1&x=2)")


class _ManyFilter(django_filters.ModelMultipleChoiceFilter):
    """A key or code filter: several values as the parameter repeated, said in its help text (the API's schema); a
    value outside `queryset` (what the user sees) is refused with `not_found`, whether it exists elsewhere or not."""

    not_found = _("Không có bản ghi %(value)s trong phạm vi của bạn.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("error_messages", {"invalid_choice": self.not_found})
        if kwargs.get("label") and "help_text" not in kwargs:
            kwargs["help_text"] = format_lazy("{}; {}.", kwargs["label"], SEVERAL_VALUES)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        # No value given: the form field cleans that to `queryset.none()`, whose truth django-filter tests by compiling
        # its SQL (~0.7 ms a filter, eight of them on the round list); Django knows it is empty without that.
        if isinstance(value, QuerySet) and value.query.is_empty():
            return qs
        return super().filter(qs, value)


def _described(schema: dict, filter_) -> dict:
    description = filter_.extra.get("help_text") or filter_.label
    return {**schema, "description": str(description)} if description else schema


class IdsFilter(_ManyFilter):
    """`?x_id=1&x_id=2`: rows pointing at any of these keys, among the rows of `queryset` (a callable taking the
    request, so that the choices are the ones the user sees)."""

    field_class = _BoundedIdsField

    @property
    def _spectacular_annotation(self) -> dict:
        # Each value as the schema states it (drf-spectacular cannot guess it and says "string"): a key.
        return {"field": _described({"type": "integer", "minimum": 1, "maximum": MAX_ID}, self)}


class CodesFilter(_ManyFilter):
    """`?x_code=05554&x_code=05557`: rows pointing at units (or sets...) with these codes; an unknown code is a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    @property
    def _spectacular_annotation(self) -> dict:
        # An empty code names no unit: the schema says so, as the filter does.
        return {"field": _described({"type": "string", "minLength": 1, "maxLength": CODE_MAX_LENGTH}, self)}

    def get_filter_predicate(self, v):
        # django-filter would compare the foreign key with the code ({"commune": "05554"}); compare the codes.
        to_field = self.field.to_field_name
        return {f"{self.field_name}__{to_field}": getattr(v, to_field)}


class UnitIdsFilter(IdsFilter):
    not_found = _("Không có đơn vị %(value)s trong phạm vi của bạn.")


class UnitCodesFilter(CodesFilter):
    not_found = _("Không có đơn vị mã %(value)s trong phạm vi của bạn.")


class _StrictIntegerField(forms.IntegerField):
    """Digits only: Django's field would read "2018.0" as 2018, and a NumberFilter's decimal "2018.5" as 2018."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not re.fullmatch(r"-?[0-9]+", text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, a count): "2018.5" is refused rather than rounded."""

    field_class = _StrictIntegerField

    @property
    def _spectacular_annotation(self) -> dict:
        """The parameter's schema for drf-spectacular: what is accepted, bounds included (it would call a NumberFilter
        on a non-integer field a "number", and state no bounds)."""
        schema = {"type": "integer"}
        for keyword, bound in (("minimum", "min_value"), ("maximum", "max_value")):
            if self.extra.get(bound) is not None:
                schema[keyword] = self.extra[bound]
        return {"field": _described(schema, self)}


class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class _StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0, yes/no); anything else is an error rather than "no filter" as Django's field has it."""

    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
    widget = forms.TextInput  # NullBooleanSelect would turn an unknown value into "no filter" before to_python

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Cần true hoặc false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictBooleanField


class TextFilter(django_filters.CharFilter):
    """A text filter whose length limit (`max_length`, refused beyond) the schema states."""

    @property
    def _spectacular_annotation(self) -> dict:
        schema = {"type": "string"}
        if self.extra.get("max_length"):
            schema["maxLength"] = self.extra["max_length"]
        return {"field": _described(schema, self)}


class SearchFilter(TextFilter):
    """`?q=dinh hoa`: search ignoring diacritics, case and extra spaces; the FilterSet's `search` method matches."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", "search")
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        kwargs.setdefault("label", _("Tìm kiếm (không phân biệt dấu)"))
        super().__init__(*args, **kwargs)


def folded_match(queryset: QuerySet, text: str, *fields: str) -> QuerySet:
    """Rows of `queryset` one of whose `fields` contains `text`, ignoring case and Vietnamese diacritics.

    For tables without a folded column (agencies, cadres: a province's few hundred rows): the names are folded
    here, in Python, from one query over the already scoped rows, and the matches come back as a key filter. Units,
    which number in the thousands, have `name_folded` and are searched in the database (`AdministrativeUnit.search`).
    """
    needle = search_text(text)
    if not needle:
        return queryset
    keys = [
        row[0]
        for row in queryset.order_by().values_list("pk", *fields)
        if any(value and needle in search_text(value) for value in row[1:])
    ]
    return queryset.filter(pk__in=keys)


def visible_units(request):
    return AdministrativeUnit.objects.visible_to(getattr(request, "user", None))


def visible_communes(request):
    return AdministrativeUnit.objects.communes().visible_to(getattr(request, "user", None))


def visible_districts(request):
    return AdministrativeUnit.objects.districts().visible_to(getattr(request, "user", None))


def visible_provinces(request):
    return AdministrativeUnit.objects.provinces().visible_to(getattr(request, "user", None))


def commune_filters(path: str) -> type[django_filters.FilterSet]:
    """The filters of every record that belongs to a commune, the commune at `path` ("commune",
    "assignment__commune"): its province, its district and itself, each by key (`province_id`) and by official code
    (`province_code`), several values allowed. A commune's district may be empty (since the 2025 reform communes hang
    directly under their province): `province_id` still finds it. The choices are the units the user sees, so
    another province's unit is refused like a missing one."""

    class CommuneFilters(django_filters.FilterSet):
        province_id = UnitIdsFilter(field_name=f"{path}__province", queryset=visible_provinces, label=_("Tỉnh (khóa)"))
        province_code = UnitCodesFilter(
            field_name=f"{path}__province", queryset=visible_provinces, label=_("Tỉnh (mã)")
        )
        district_id = UnitIdsFilter(field_name=f"{path}__district", queryset=visible_districts, label=_("Huyện (khóa)"))
        district_code = UnitCodesFilter(
            field_name=f"{path}__district", queryset=visible_districts, label=_("Huyện (mã)")
        )
        commune_id = UnitIdsFilter(field_name=path, queryset=visible_communes, label=_("Xã (khóa)"))
        commune_code = UnitCodesFilter(field_name=path, queryset=visible_communes, label=_("Xã (mã)"))

    return CommuneFilters


def search_text(text: str) -> str:
    """What a search matches: folded ("Định  Hóa" -> "dinh hoa"), runs of spaces as one, as names are stored."""
    return " ".join(fold_vietnamese(text).split())


def _unit_search(queryset: QuerySet, text: str) -> QuerySet:
    """Units whose name contains `text` with or without diacritics, whatever the case and spacing, or whose code is
    `text`."""
    folded = search_text(text)
    if not folded:
        return queryset
    return queryset.filter(Q(name_folded__contains=folded) | Q(code=text.strip()))


def commune_search(queryset: QuerySet, text: str) -> QuerySet:
    """`_unit_search`, and communes whose district's name or former (pre-merger) names match: since 1 July 2025
    communes have no district, so a former commune's district finds the new commune ("Định Hóa" finds the communes
    formed in it). One query: the former names are an EXISTS on the succession links, not a query per commune."""
    folded = search_text(text)
    if not folded:
        return queryset
    former = UnitSuccession.objects.filter(successor=OuterRef("pk")).filter(
        Q(predecessor__name_folded__contains=folded) | Q(predecessor__district__name_folded__contains=folded)
    )
    return queryset.filter(
        Q(name_folded__contains=folded)
        | Q(district__name_folded__contains=folded)
        | Q(code=text.strip())
        | Exists(former)
    )


class AdministrativeUnitFilterSet(django_filters.FilterSet):
    q = SearchFilter()
    code = TextFilter(max_length=CODE_MAX_LENGTH, label=_("Mã đơn vị (TCTK), đúng từng ký tự"))
    level = django_filters.MultipleChoiceFilter(choices=UnitLevel.choices)
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices)
    parent_id = UnitIdsFilter(field_name="parent", queryset=visible_units, label=_("Đơn vị cấp trên (khóa)"))
    province_id = UnitIdsFilter(field_name="province", queryset=visible_provinces, label=_("Tỉnh (khóa)"))
    province_code = UnitCodesFilter(field_name="province", queryset=visible_provinces, label=_("Tỉnh (mã)"))
    district_id = UnitIdsFilter(field_name="district", queryset=visible_districts, label=_("Huyện (khóa)"))
    district_code = UnitCodesFilter(field_name="district", queryset=visible_districts, label=_("Huyện (mã)"))
    current = BooleanFilter(method="filter_current", label=_("Chỉ đơn vị còn hiệu lực"))

    class Meta:
        model = AdministrativeUnit
        fields = [
            "q",
            "code",
            "level",
            "kind",
            "parent_id",
            "province_id",
            "province_code",
            "district_id",
            "district_code",
        ]

    def search(self, queryset, name, value):
        return _unit_search(queryset, value)

    def filter_current(self, queryset, name, value):
        return queryset.filter(valid_to__isnull=value)
