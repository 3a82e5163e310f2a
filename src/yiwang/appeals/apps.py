from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "yiwang.appeals"
    label = "appeals"
    verbose_name = "诉求工单"

    def ready(self) -> None:
        # Register the ticket figures with the metric registry (insight).
        from django.db.models.signals import post_migrate

        from yiwang.appeals import metrics  # noqa: F401
        from yiwang.org.apps import _sync_roles

        # The roles carry appeals permissions made by this app's own post_migrate (after
        # org's has run): grant the roles' permissions again once they exist.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="yiwang.appeals.roles_sync")
