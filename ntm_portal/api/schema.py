"""The OpenAPI schema: drf-spectacular's, plus the error responses DRF does not declare by itself.

Every operation can answer 400 (a query parameter or body field it refuses, named in the body), 401 (no or a wrong
token), 403 (the caller's role or unit does not allow it), 404 (not found, or outside the caller's scope) and 429
(a token over its rate); writes and workflow actions can also answer 409 (a transition the round's state does not
allow, a concurrent edit, a record still referenced).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` says what went wrong; a refused field appears under its own name with its "
    "messages (`non_field_errors` for the record as a whole).",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": {},
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a query parameter or a body field, named with the reason.",
    "401": "No credentials, or a wrong or revoked token.",
    "403": "The caller's role or unit does not allow this.",
    "404": "Not found, or outside the caller's scope.",
    "409": "Refused in the record's current state: an illegal transition, a concurrent edit, or still referenced.",
    "429": "Too many requests with this token; retry after the time in Retry-After.",
}


class PortalAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404", "429"]
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.append("409")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        for code in self._error_codes():
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": component.ref}}, "description": ERROR_DESCRIPTIONS[code]},
            )
        return responses
