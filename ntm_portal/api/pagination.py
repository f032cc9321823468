from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """50 rows a page by default; a dashboard client may ask for up to 500 (`?page_size=`), never more."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

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
