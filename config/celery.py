"""The Celery app. Broker and result backend come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# filesystem:// (the embedded broker) is kombu's transport publishing each message whole (ntm_portal/broker.py says
# why), in every process that loads this app: the web server, workers, beat and tests.
TRANSPORT_ALIASES["filesystem"] = "ntm_portal.broker:Transport"

app = Celery("ntm_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["ntm_portal"])


@app.on_after_configure.connect
def make_embedded_folders(sender: Celery, **kwargs) -> None:
    # kombu's filesystem transport and Celery's file result backend expect their folders to exist.
    options = sender.conf.broker_transport_options or {}
    folders = [
        options[key]
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
        if options.get(key)
    ]
    backend = sender.conf.result_backend or ""
    if backend.startswith("file://"):
        folders.append(backend.removeprefix("file://"))
    for folder in folders:
        os.makedirs(folder, exist_ok=True)
