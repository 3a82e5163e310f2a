from django.apps import AppConfig


class Open311Config(AppConfig):
    """Open311 GeoReport v2 at /open311/v2/: ticket kinds and departments as services, tickets
    (appeals.Ticket) as service requests. No models of its own."""

    name = "yiwang.open311"
    label = "open311"
    verbose_name = "Open311 接口"
