from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecondmentsConfig(AppConfig):
    name = "secondments"
    verbose_name = _("Biệt phái, luân chuyển và đỡ đầu")

    def ready(self) -> None:
        from . import permissions

        permissions.register()
