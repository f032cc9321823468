import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self) -> None:
        # WeasyPrint logs a line per page (and per stylesheet, at import) at INFO: in a worker's log that drowns
        # everything else. Set before reports.pdf first imports it.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
