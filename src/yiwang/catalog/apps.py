from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = "事项库"

    def ready(self) -> None:
        # Registers the catalogue's figures with the metric registry (yiwang.insight).
        from . import metrics  # noqa: F401
