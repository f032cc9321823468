"""The province and district dashboards (browser). Views and their URL patterns, mounted at /dashboard/."""

app_name = "dashboard"
urlpatterns: list = []
