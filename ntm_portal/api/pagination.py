from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """50 rows a page by default; a dashboard client may ask for up to 500 (`?page_size=`), never more."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """`page_size` as the schema states it: a whole number from 1 to the maximum, else a 400 naming it. DRF's
        own would quietly use the default for `-1.5e-195` or `0` and cut `10000` down to the maximum."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= self.max_page_size):
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Số dòng mỗi trang phải là số nguyên từ 1 đến %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            # Documented bounds, so that a client (and the schema fuzzer) knows what is accepted.
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Số dòng mỗi trang (mặc định {self.page_size}, tối đa {self.max_page_size})."
                )
        return parameters
