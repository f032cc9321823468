"""The real Celery app for a worker that must misbehave on purpose: `celery -A tests.reports.faulty_worker worker`.

NTM_TEST_REPORT_FAULT says how the PDF rendering (reports.pdf.render_pdf) misbehaves in that worker:
- "render-error": it raises, as WeasyPrint does on a broken font file;
- "slow-render:SECONDS": it waits that long before rendering, so a test can kill the worker mid-job;
- "database-lost-once": the first rendering in this process raises the error Django raises when the database went
  away mid-build, the next ones render.
The fault lives here, in the tests, so that production code carries no test hook.
"""

import os
import time

import django
from django.db import OperationalError

from config.celery import app  # noqa: F401 - the app this worker runs

django.setup()

from reports import pdf  # noqa: E402 - needs the apps loaded

FAULT = os.environ.get("NTM_TEST_REPORT_FAULT", "")
RENDER_ERROR = "Không đọc được tệp phông chữ DejaVuSansCondensed.ttf: tệp hỏng (lỗi giả lập khi kiểm thử)"
_render_pdf = pdf.render_pdf


def _broken_render(*args, **kwargs):
    raise ValueError(RENDER_ERROR)


def _slow_render(*args, **kwargs):
    time.sleep(float(FAULT.partition(":")[2]))
    return _render_pdf(*args, **kwargs)


_lost = []


def _database_lost_once(*args, **kwargs):
    if not _lost:
        _lost.append(True)
        raise OperationalError("server closed the connection unexpectedly (simulated in a test)")
    return _render_pdf(*args, **kwargs)


if FAULT == "render-error":
    pdf.render_pdf = _broken_render
elif FAULT.startswith("slow-render:"):
    pdf.render_pdf = _slow_render
elif FAULT == "database-lost-once":
    pdf.render_pdf = _database_lost_once
