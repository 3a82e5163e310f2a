from django.apps import AppConfig


class WindowsConfig(AppConfig):
    name = "yiwang.windows"
    label = "windows"
    verbose_name = "综合窗口"

    def ready(self) -> None:
        # Register the front-desk figures with the metric registry (insight).
        from yiwang.windows import metrics  # noqa: F401
