from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Bộ tiêu chí và đánh giá")

    def ready(self) -> None:
        from . import permissions

        permissions.register()
