from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        # Register the case figures with the metric registry (insight).
        from django.db.models.signals import post_migrate

        from yiwang.cases import bundle_metrics, metrics  # noqa: F401
        from yiwang.cases.api import snapshots
        from yiwang.org.apps import _sync_roles

        # The roles carry cases.view_case, a default permission made by this app's own
        # post_migrate — after org's (earlier in INSTALLED_APPS) has granted what existed then:
        # grant the roles' permissions again once it exists.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="yiwang.cases.roles_sync")
        # Stored case details follow every write (cases.api.snapshots).
        snapshots.connect()
