"""Thin Celery tasks: take an id (or nothing), call the service. The reliability rules live in the service and in
the CELERY_* settings; the delivery options are repeated here so that a task keeps them whatever the app's defaults.
"""

from celery import shared_task

from .services import TRANSIENT_ERRORS, BuildInterrupted, report_build, report_monthly_request, report_sweep_stale

# Seconds before each retry of a build the database interrupted: together about three minutes, longer than a
# database restart; past them the sweep takes over.
RETRY_DELAYS = (5, 10, 20, 30, 30, 30, 30, 30)


@shared_task(
    bind=True,
    name="reports.build",
    acks_late=True,  # acknowledged after it returns: a worker dying mid-build leaves the message to be redelivered
    reject_on_worker_lost=True,  # ... and a child process killed under it requeues the message instead of acking it
    # The job row is the result: sending the task must not involve the result backend, which the web process would
    # otherwise wait for (and which raises RuntimeError, not a broker error, when Redis is away).
    ignore_result=True,
    max_retries=len(RETRY_DELAYS),
)
def report_build_task(self, job_id: int, resume: str = "") -> str:
    delay = RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]
    try:
        job = report_build(job_id, may_retry=self.request.retries < self.max_retries, resume=resume)
    except BuildInterrupted as interrupted:
        # The retry takes back the claim the interrupted build may still hold.
        raise self.retry(countdown=delay, kwargs={"resume": interrupted.runner}, exc=interrupted.__cause__) from None
    except TRANSIENT_ERRORS as error:  # the database was still away before the build began
        raise self.retry(countdown=delay, exc=error) from None
    return job.status if job else "missing"


@shared_task(name="reports.sweep_stale", acks_late=True)
def report_sweep_task() -> list[int]:
    return report_sweep_stale()


@shared_task(name="reports.monthly", acks_late=True)
def report_monthly_task() -> list[int]:
    return [job.pk for job in report_monthly_request()]
