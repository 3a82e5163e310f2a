"""Worker tasks of the outbox."""

from django_tasks import task


@task()
def send_messages() -> None:
    """Send the messages that are due (notifications.services.send_due)."""
    from yiwang.notifications.services import send_due

    send_due()
