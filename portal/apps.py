from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages that read several domain apps at once (start pages, to-do, dashboards, the commune page and the
    matrix): the floor above every domain app. No models."""

    name = "portal"
