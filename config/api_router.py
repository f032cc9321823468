"""/api/v1/: every app registers its viewsets on this one router (`<app>/api/urls.py: register(router)`)."""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from communes.api import urls as communes_api
from criteria.api import urls as criteria_api
from ntm_portal.api import urls as core_api
from ntm_portal.api import views as core_views
from portal.api import urls as portal_api
from reports.api import urls as reports_api
from secondments.api import urls as secondments_api

router = DefaultRouter()
for app_api in (communes_api, criteria_api, secondments_api, reports_api, portal_api):
    app_api.register(router)

# Anything else under /api/v1/ (a key with a dot, an empty segment...) gets the API's JSON 404. Only paths ending in
# a slash, so that CommonMiddleware still redirects "/api/v1/communes" to "/api/v1/communes/".
urlpatterns = [*core_api.urlpatterns, *portal_api.urlpatterns, *router.urls, re_path(r"^.*/$", core_views.not_found)]
