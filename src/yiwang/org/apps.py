from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.db import connections

    from .roles import roles_sync

    # `migrate <one app>` on a fresh database may run before the auth tables exist.
    if "auth_group" not in connections[using].introspection.table_names():
        return
    roles_sync()


class OrgConfig(AppConfig):
    name = "yiwang.org"
    label = "org"
    verbose_name = "组织与身份"

    def ready(self) -> None:
        # After every migrate, so the permissions the roles carry exist first.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="yiwang.org.roles_sync")
        from .signals import connect

        connect()  # sign-ins and sign-outs in the audit trail
