"""Query-parameter hygiene shared by every endpoint: bounded, NUL-free values and a strict `ordering`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.filters import OrderingFilter

# Codes are at most 10 characters, names 300, searches 100: nothing a client needs to send comes near this.
MAX_PARAMETER_LENGTH = 300


def check_query_parameters(request) -> None:
    """400 for a NUL byte (PostgreSQL cannot store or compare one) or an oversized value in any query parameter,
    before a filter, a form field or the ORM sees it."""
    errors = {}
    for name, values in request.query_params.lists():
        label = name if len(name) <= 100 and "\x00" not in name else "query"
        if "\x00" in name or len(name) > 100:
            errors[label] = [_("Tên tham số không hợp lệ.")]
            continue
        for value in values:
            if "\x00" in value:
                errors[label] = [_("Giá trị không được chứa ký tự NUL.")]
            elif len(value) > MAX_PARAMETER_LENGTH:
                errors[label] = [_("Giá trị dài quá %(limit)d ký tự.") % {"limit": MAX_PARAMETER_LENGTH}]
    if errors:
        raise serializers.ValidationError(errors)


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

    def get_schema_operation_parameters(self, view):
        fields = sorted(view.ordering_fields)
        choices = [prefix + field for field in fields for prefix in ("", "-")]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": _("Sắp xếp theo một hay nhiều trường, cách nhau bằng dấu phẩy; '-' để giảm dần."),
                "schema": {"type": "array", "items": {"type": "string", "enum": choices}},
                "style": "form",
                "explode": False,
            }
        ]
