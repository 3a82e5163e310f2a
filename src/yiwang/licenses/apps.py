from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = "电子证照"

    def ready(self) -> None:
        # The licence figures with the metric registry (insight); the licences issued when a
        # case is approved (receivers → licenses.issuing, on the case's "decide" line).
        from yiwang.licenses import metrics, receivers  # noqa: F401
