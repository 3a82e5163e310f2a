"""Organisation and identity: regions, departments, halls, windows, users, staff, applicants."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from yiwang.common.personal import EncryptedPersonalField
from yiwang.common.validators import PlainText, uscc_field_validator

from .roles import Role


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县"
    TOWN = 4, "乡镇/街道"
    VILLAGE = 5, "村/社区"


# Digits of the 12-digit statistical code that identify a region at each level; a region's
# descendants share its code prefix, so scope filters are one indexed `startswith`.
LEVEL_PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
}


class Region(models.Model):
    """An administrative division with its 12-digit statistical code (区划代码)."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64, validators=[PlainText("名称")])
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = verbose_name_plural = _("区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: LEVEL_PREFIX_LENGTH[RegionLevel(self.level)]]

    def clean(self) -> None:
        if len(self.code) != 12 or not self.code.isdigit():
            raise ValidationError({"code": "区划代码必须是 12 位数字。"})
        if self.parent_id and self.parent and not self.code.startswith(self.parent.prefix):
            raise ValidationError({"code": "区划代码必须以上级区划代码开头。"})


class DepartmentKind(models.TextChoices):
    AUTHORITY = "authority", "行政机关"
    PROVIDER = "provider", "公共服务单位"


class Department(models.Model):
    """An authority or public-service provider (部门/单位); the bureau is one of them."""

    name = models.CharField(_("名称"), max_length=100, unique=True, validators=[PlainText("名称")])
    short_name = models.CharField(
        _("简称"), max_length=32, blank=True, validators=[PlainText("简称")]
    )
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[uscc_field_validator]
    )
    kind = models.CharField(_("类别"), max_length=16, choices=DepartmentKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    is_bureau = models.BooleanField(_("数据资源管理局"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("部门")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class HallLevel(models.TextChoices):
    # translatable: the portal shows the level as a badge on every hall
    COUNTY = "county", gettext_lazy("县级政务服务中心")
    TOWN = "town", gettext_lazy("乡镇便民服务中心")
    VILLAGE = "village", gettext_lazy("村（社区）便民服务站")


class ServiceHall(models.Model):
    """A physical hall: the county centre, a town centre or a village station."""

    name = models.CharField(_("名称"), max_length=100, unique=True, validators=[PlainText("名称")])
    level = models.CharField(_("层级"), max_length=16, choices=HallLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    address = models.CharField(
        _("地址"), max_length=200, blank=True, validators=[PlainText("地址")]
    )
    opening_hours = models.CharField(
        _("办公时间"), max_length=200, blank=True, validators=[PlainText("办公时间")]
    )
    phone = models.CharField(
        _("咨询电话"), max_length=32, blank=True, validators=[PlainText("咨询电话")]
    )

    class Meta:
        verbose_name = verbose_name_plural = _("政务服务大厅")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合窗口"
    DEDICATED = "dedicated", "专窗"
    ENTERPRISE = "enterprise", "涉企服务窗口"
    CANT_GET_DONE = "cant_get_done", "办不成事反映窗口"


class Window(models.Model):
    """A counter in a hall. A dedicated window (专窗) serves one department."""

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("大厅"), on_delete=models.CASCADE, related_name="windows"
    )
    number = models.CharField(_("窗口号"), max_length=16, validators=[PlainText("窗口号")])
    name = models.CharField(_("名称"), max_length=100, validators=[PlainText("名称")])
    kind = models.CharField(_("类型"), max_length=16, choices=WindowKind.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="windows",
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("窗口")
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique_in_hall")
        ]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number} 号窗口（{self.name}）"

    def clean(self) -> None:
        if self.kind == WindowKind.DEDICATED and not self.department_id:
            raise ValidationError({"department": "专窗必须指定所属部门。"})


class UserKind(models.TextChoices):
    STAFF = "staff", "工作人员"
    CITIZEN = "citizen", "个人"
    ENTERPRISE = "enterprise", "企业"
    SYSTEM = "system", "对接系统"


class User(AbstractUser):
    """A sign-in account. Staff sign in by user name; citizens by mobile number."""

    kind = models.CharField(
        _("账号类型"), max_length=16, choices=UserKind.choices, default=UserKind.STAFF
    )
    must_change_password = models.BooleanField(_("首次登录须改密"), default=True)
    failed_sign_in_count = models.PositiveIntegerField(_("连续失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Raised by a lockout or a deactivation: every session signed with an older value ends.
    session_epoch = models.PositiveIntegerField(_("会话代次"), default=0, editable=False)

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = _("账号")  # type: ignore[assignment]
        swappable = "AUTH_USER_MODEL"
        permissions = [("manage_staff", "可管理工作人员")]

    @property
    def role_codes(self) -> set[str]:
        """The codes of the user's roles (group names). Read once per instance — a request's
        user asks several times per page — from the groups prefetched with a list when there
        are any (no query per row); forgotten when the groups change (forget_roles)."""
        cache = self.__dict__.get("_role_codes")
        if cache is None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
            if prefetched is not None:
                cache = {group.name for group in prefetched}
            else:
                cache = set(self.groups.values_list("name", flat=True))
            self.__dict__["_role_codes"] = cache
        return cache

    def forget_roles(self) -> None:
        """Drop what this instance derived from its roles: the role codes, the data scope
        (org.selectors.data_scope_for) and Django's permission caches. Called on every change
        of the user's groups (org.signals), so the same request sees the new roles."""
        for name in (
            "_role_codes",
            "_yiwang_scope",
            "_yiwang_region_scope",
            "_perm_cache",
            "_group_perm_cache",
        ):
            self.__dict__.pop(name, None)
        getattr(self, "_prefetched_objects_cache", {}).pop("groups", None)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django keeps a session only while its stored HMAC of the password hash still matches
        # (so a password change ends other sessions). Mixing in the session epoch lets a lockout
        # or a deactivation end every session of the account at once, in whatever store the
        # sessions live. Epoch 0 hashes exactly as Django does, so existing sessions survive
        # the upgrade.
        value = self.password if not self.session_epoch else f"{self.password}|{self.session_epoch}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Staff(models.Model):
    """A user acting for a department (or the bureau), with roles held as groups on the user."""

    user = models.OneToOneField(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="staff"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="staff"
    )
    full_name = models.CharField(_("姓名"), max_length=64, validators=[PlainText("姓名")])
    title = models.CharField(_("职务"), max_length=64, blank=True, validators=[PlainText("职务")])
    window = models.ForeignKey(
        Window,
        verbose_name=_("所在窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    phone = EncryptedPersonalField(_("手机号码"), kind="phone", hash_field="phone_hash")
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("工作人员")
        ordering = ["department", "full_name"]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.department.short_name or self.department.name}）"

    @property
    def roles(self) -> list[str]:
        return sorted(self.user.role_codes)

    @property
    def role_labels(self) -> list[str]:
        return [Role(code).label for code in self.roles if code in Role.values]


class ApplicantKind(models.TextChoices):
    PERSON = "person", "自然人"
    LEGAL_PERSON = "legal_person", "法人"


class Applicant(models.Model):
    """A natural person (resident ID) or a legal person (USCC + legal representative)."""

    kind = models.CharField(_("类型"), max_length=16, choices=ApplicantKind.choices)
    name = models.CharField(_("姓名/名称"), max_length=200, validators=[PlainText("姓名/名称")])
    id_number = EncryptedPersonalField(
        _("居民身份证号码"), kind="id_number", hash_field="id_number_hash"
    )
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    legal_representative = models.CharField(
        _("法定代表人"), max_length=64, blank=True, validators=[PlainText("法定代表人")]
    )
    legal_representative_id_number = EncryptedPersonalField(
        _("法定代表人身份证号码"), kind="id_number", hash_field="legal_representative_id_hash"
    )
    legal_representative_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone = EncryptedPersonalField(_("手机号码"), kind="phone", hash_field="phone_hash")
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    user = models.OneToOneField(
        User,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("申请人")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="applicant_id_number_unique",
            ),
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~models.Q(uscc=""),
                name="applicant_uscc_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """An API token of a staff or system account (`Authorization: Token …`). Only the SM3
    digest of the token is stored; the token itself is shown once, when issued. It expires
    after YIWANG_API_TOKEN_HOURS and is revoked (deleted) when the password changes, the
    account is locked or deactivated."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(_("令牌摘要（SM3）"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user.username} 的接口令牌（{self.expires_at:%Y-%m-%d %H:%M} 过期）"


class ApiKeyScope(models.TextChoices):
    OPEN311 = "open311", "Open311 接口"
    RATING_DEVICE = "rating-device", "窗口评价器"
    LICENSE_GATHER = "license-gather", "证照归集"


class ApiKey(models.Model):
    """A key of an outside system (an Open311 client, a window's rating device), not of a
    person: `yiwang apikey create`. Only the SM3 digest of the key is stored, and its first
    characters (`prefix`) so that a list can tell keys apart; the key itself is shown once.
    A rating-device key is bound to its window, a licence-gathering key to its department.
    Revoked keys stay on record (revoked_at)."""

    name = models.CharField(_("名称"), max_length=100, validators=[PlainText("名称")])
    scope = models.CharField(_("用途"), max_length=16, choices=ApiKeyScope.choices)
    window = models.ForeignKey(
        Window,
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    # The department whose own licences a licence-gathering system sends (licenses.gathering).
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    digest = models.CharField(_("密钥摘要（SM3）"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("接口密钥")
        ordering = ["-created_at"]
        constraints = [
            # A rating device speaks for one window; an Open311 client for none.
            models.CheckConstraint(
                condition=(Q(scope="rating-device") & Q(window__isnull=False))
                | (~Q(scope="rating-device") & Q(window__isnull=True)),
                name="api_key_window_iff_rating_device",
            ),
            # A licence-gathering system speaks for one department; other keys for none.
            models.CheckConstraint(
                condition=(Q(scope="license-gather") & Q(department__isnull=False))
                | (~Q(scope="license-gather") & Q(department__isnull=True)),
                name="api_key_department_iff_license_gather",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class RateLimitCounter(models.Model):
    """Attempts counted for one key (scope + client address, or scope + account) in the current
    fixed window. Kept in the database so that every worker process shares the count; the key
    is a digest, so neither addresses nor mobile numbers are stored here. See org.ratelimit."""

    key = models.CharField(_("键（SM3）"), max_length=64, unique=True)
    scope = models.CharField(_("范围"), max_length=32)
    window_start = models.DateTimeField(_("窗口开始"), db_index=True)
    count = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("频率限制计数")

    def __str__(self) -> str:
        return f"{self.scope} {self.count} 次（自 {self.window_start:%H:%M:%S} 起）"


__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "ApiToken",
    "Applicant",
    "ApplicantKind",
    "Department",
    "DepartmentKind",
    "HallLevel",
    "RateLimitCounter",
    "Region",
    "RegionLevel",
    "Role",
    "ServiceHall",
    "Staff",
    "User",
    "UserKind",
    "Window",
    "WindowKind",
]
