from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "yiwang.hall"
    label = "hall"
    verbose_name = "预约与排队"

    def ready(self) -> None:
        # Register the appointment and waiting-time figures with the metric registry (insight).
        from yiwang.hall import metrics  # noqa: F401
