"""The site's URLs plus one API view that fails as a bug would: the only way to reach the 500 handler for real."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def broken(request):
    raise RuntimeError("/srv/ntm/var/secret.txt: a bug's text, with a path")


urlpatterns = [path("api/v1/broken/", broken), path("broken/", broken), *urlpatterns]
