from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo builders (a province, the country) and the benchmark commands run on them: the floor above every
    domain app, which no app imports. No models."""

    name = "demo"
