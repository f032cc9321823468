from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NtmPortalConfig(AppConfig):
    name = "ntm_portal"
    verbose_name = _("Người dùng và vai trò")

    def ready(self) -> None:
        from . import collation, figures_cache

        figures_cache.connect_signals()
        collation.connect_signals()
