from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "yiwang.evaluations"
    label = "evaluations"
    verbose_name = "好差评"

    def ready(self) -> None:
        # The rating figures (insight), the hooks' system check, the SMS invitation on a
        # case's conclusion (receivers).
        from django.db.models.signals import post_migrate

        from yiwang.evaluations import checks, metrics, receivers  # noqa: F401
        from yiwang.org.apps import _sync_roles

        # The roles carry evaluations.view_rating, a default permission made by this app's own
        # post_migrate (after org's): grant the roles' permissions again once it exists.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="yiwang.evaluations.roles_sync")

        # Rectification: its figures, and the task a bad rating opens (rating_received).
        from yiwang.evaluations.rectification import metrics as _m  # noqa: F401
        from yiwang.evaluations.rectification import receivers as _r  # noqa: F401
