from celery import shared_task


@shared_task(name="ntm_portal.echo")
def echo(value: str) -> str:
    """Round-trip probe: proves a worker consumes from the configured broker and answers through the backend."""
    return value
