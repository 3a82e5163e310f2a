from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = "电子证照"

    def ready(self) -> None:
        # Register the licence figures with the metric registry (insight).
        from yiwang.licenses import metrics  # noqa: F401
