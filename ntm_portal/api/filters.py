"""Query-parameter hygiene shared by every endpoint: bounded, NUL-free values, no parameter the endpoint does not
read, and a strict `ordering`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

from ntm_portal.collation import vi_order

# Codes are at most 10 characters, names 300, searches 100: nothing a client needs to send comes near this.
MAX_PARAMETER_LENGTH = 300
# Dates in a query as the schema states them (format: date), as DRF's serializers read them in a body.
ISO_DATE_INPUT_FORMATS = ["%Y-%m-%d"]


def check_query_parameters(request, allowed: set[str] | None = None) -> None:
    """400 for an empty value, a NUL byte (PostgreSQL cannot store or compare one) or an oversized value in any query
    parameter, before a filter, a form field or the ORM sees it; and, given the names the endpoint reads (`allowed`),
    for any other parameter: a misspelt or unsupported filter would otherwise be ignored and answer every row."""
    errors = {}
    for name, values in request.query_params.lists():
        label = name if len(name) <= 100 and "\x00" not in name else "query"
        if "\x00" in name or len(name) > 100:
            errors[label] = [_("Tên tham số không hợp lệ.")]
            continue
        if allowed is not None and name not in allowed:
            errors[label] = [
                _("Tham số không được hỗ trợ. Các tham số hợp lệ: %(allowed)s.")
                % {"allowed": ", ".join(sorted(allowed)) or "format"}
            ]
            continue
        for value in values:
            if not value:
                # An empty value is no filter in a browser's form; in the API it is a mistake, said as such.
                errors[label] = [_("Giá trị không được để trống.")]
            elif "\x00" in value:
                errors[label] = [_("Giá trị không được chứa ký tự NUL.")]
            elif len(value) > MAX_PARAMETER_LENGTH:
                errors[label] = [_("Giá trị dài quá %(limit)d ký tự.") % {"limit": MAX_PARAMETER_LENGTH}]
    if errors:
        raise serializers.ValidationError(errors)


def allowed_query_parameters(view) -> set[str]:
    """The query parameters `view` reads for its current action: its FilterSet's filters, `ordering`, `search` and the
    paginator's, where its filter backends and paginator take them; the parameters of the action's own query
    serializer (`query_serializers`, by action: a dashboard's `as_of`...); and DRF's `format`."""
    allowed = {api_settings.URL_FORMAT_OVERRIDE} - {None}
    for backend in getattr(view, "filter_backends", None) or ():
        if issubclass(backend, DjangoFilterBackend):
            filterset_class = getattr(view, "filterset_class", None)
            if filterset_class is not None:
                allowed.update(filterset_class.base_filters)
        elif issubclass(backend, OrderingFilter) and getattr(view, "ordering_fields", None):
            allowed.add(backend.ordering_param)
        elif issubclass(backend, SearchFilter):
            allowed.add(backend.search_param)
    paginator = getattr(view, "paginator", None)
    if paginator is not None:
        for attribute in ("page_query_param", "page_size_query_param", "limit_query_param", "offset_query_param"):
            if getattr(paginator, attribute, None):
                allowed.add(getattr(paginator, attribute))
        if getattr(paginator, "cursor_query_param", None):
            allowed.add(paginator.cursor_query_param)
    query_serializer = (getattr(view, "query_serializers", None) or {}).get(getattr(view, "action", None))
    if query_serializer is not None:
        allowed.update(query_serializer().fields)
    return allowed


class IsoDateFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with dates in ISO 8601 only (`?active_on=2024-06-05`). The FilterSets are the browser
    lists' too, whose forms read dates day first (the locale's input formats): an API client sending 05/06/2024 gets a
    400 naming the parameter, not a guess at which day it meant."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for field in filterset.form.fields.values():
                if isinstance(field, forms.DateField):
                    field.input_formats = ISO_DATE_INPUT_FORMATS
        return filterset


# Ordering fields that hold people's words (names, titles): sorted with the Vietnamese collation.
TEXT_ORDERING_FIELDS = {"name", "title"}


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=name,-code`: only the viewset's `ordering_fields`; an unknown one is a 400, not silently ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        fields = [param.strip() for param in params.split(",") if param.strip()]
        unknown = [field for field in fields if field.lstrip("-") not in allowed]
        if unknown or not fields:
            raise serializers.ValidationError(
                {
                    self.ordering_param: [
                        _("Không sắp xếp được theo %(fields)s; chọn trong: %(allowed)s.")
                        % {"fields": ", ".join(unknown) or "''", "allowed": ", ".join(sorted(allowed))}
                    ]
                }
            )
        return fields

    def filter_queryset(self, request, queryset, view):
        """Names (`name`, `commune__name`, `full_name`, `title`...) in Vietnamese alphabetical order, not code-point
        order ("Bảo Linh" before "Bình Yên", "Điềm Mặc" after "Dương" rather than last)."""
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*(self._collated(field) for field in ordering))

    @staticmethod
    def _collated(field):
        if not isinstance(field, str):
            return field
        descending, name = field.startswith("-"), field.lstrip("-")
        last = name.rsplit("__", 1)[-1]
        if last in TEXT_ORDERING_FIELDS or last.endswith("_name"):
            return vi_order(name, descending=descending)
        return field

    def get_schema_operation_parameters(self, view):
        fields = sorted(view.ordering_fields)
        choices = [prefix + field for field in fields for prefix in ("", "-")]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": _("Sắp xếp theo một hay nhiều trường, cách nhau bằng dấu phẩy; '-' để giảm dần."),
                # At least one field: `?ordering=` is refused, as the server does.
                "schema": {"type": "array", "items": {"type": "string", "enum": choices}, "minItems": 1},
                "style": "form",
                "explode": False,
            }
        ]
