from django.apps import AppConfig
from django.db.models.signals import pre_save


class CommonConfig(AppConfig):
    name = "yiwang.common"
    label = "common"
    verbose_name = "通用"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the key checks)
        from .personal import sync_personal_hashes

        pre_save.connect(sync_personal_hashes, dispatch_uid="yiwang.common.personal.hashes")
