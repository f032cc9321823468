from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ntm_portal import views
from ntm_portal.api import docs
from portal import views as portal_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dashboard/", include("portal.dashboard")),
    path("communes/", include("portal.commune_urls")),
    path("secondments/", include("secondments.urls")),
    path("assessments/", include("criteria.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("api/docs/", docs.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", docs.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("account/api-token/", views.api_token, name="api-token"),
    path("account/locked/", views.locked_accounts_view, name="locked-accounts"),
    path("todo/", portal_views.todo, name="todo"),
]

# HTML for the browser, JSON for /api/ (ntm_portal.errors).
handler400 = "ntm_portal.errors.bad_request"
handler403 = "ntm_portal.errors.permission_denied"
handler404 = "ntm_portal.errors.page_not_found"
handler500 = "ntm_portal.errors.server_error"
