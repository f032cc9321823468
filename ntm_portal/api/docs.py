"""The OpenAPI schema and its interactive docs, for signed-in users only unless NTM_API_SCHEMA_PUBLIC publishes them.

The schema lists every route, parameter and limit of the API: a map for anyone probing it, so it is not handed to
anonymous callers by default. The docs pages send an anonymous browser to the sign-in page; the schema itself answers
the API's JSON 401.
"""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission


class SchemaAccess(BasePermission):
    """Read at request time (not drf-spectacular's SERVE_PERMISSIONS, fixed when its views are imported)."""

    def has_permission(self, request, view):
        return settings.NTM_API_SCHEMA_PUBLIC or bool(request.user and request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    permission_classes = [SchemaAccess]


class _SignInFirst:
    """An HTML page: an anonymous visitor is sent to sign in and brought back, rather than shown a JSON 401."""

    permission_classes = [SchemaAccess]

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SwaggerView(_SignInFirst, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file of its own (`?script=`), not inline, and the page's
    styles from our static files: it passes the site's Content-Security-Policy unchanged."""

    template_name = "api/swagger_ui.html"


# Redoc's styled-components write <style> elements at run time and it starts a worker from a blob: URL; allowed on
# this page only.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}), name="dispatch")
class RedocView(_SignInFirst, SpectacularRedocView):
    template_name = "api/redoc.html"
