from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import pre_save


class CommonConfig(AppConfig):
    name = "yiwang.common"
    label = "common"
    verbose_name = "通用"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the key checks)
        from .personal import sync_personal_hashes
        from .sqlite import make_sqlite_files_private

        pre_save.connect(sync_personal_hashes, dispatch_uid="yiwang.common.personal.hashes")
        connection_created.connect(make_sqlite_files_private, dispatch_uid="yiwang.common.sqlite")
