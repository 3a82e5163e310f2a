from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "yiwang.workdays"
    label = "workdays"
    verbose_name = "工作日"

    def ready(self) -> None:
        from . import signals

        signals.connect()
