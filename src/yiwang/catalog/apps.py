from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


def _uninstall_generation(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.db import connections

    from yiwang.catalog.generation import uninstall

    uninstall(connections[using])


def _install_generation(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.db import connections

    from yiwang.catalog.generation import install

    install(connections[using])


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = "事项库"

    def ready(self) -> None:
        # Registers the catalogue's figures with the metric registry (yiwang.insight).
        from yiwang.catalog import metrics  # noqa: F401

        # The triggers that keep the public-read caches exact (generation.py): out of the way
        # while migrations rebuild tables, back after every migrate.
        pre_migrate.connect(
            _uninstall_generation, sender=self, dispatch_uid="yiwang.catalog.generation_off"
        )
        post_migrate.connect(
            _install_generation, sender=self, dispatch_uid="yiwang.catalog.generation"
        )
