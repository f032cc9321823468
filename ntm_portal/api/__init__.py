"""The parts of the REST API (/api/v1/) that every app's viewsets share: errors, permissions, paging, throttling,
the schema's error responses and the base viewset that checks query parameters before anything reads them."""
