from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        # Register the case figures with the metric registry (insight).
        from yiwang.cases import metrics  # noqa: F401
