"""The case vocabulary (办件): statuses, channels, delivery methods, decisions, notices, and the
configurable numbers of the licensing law's clocks — defined once, used by models, services,
serializers, pages and metrics."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext, gettext_noop

from yiwang.common.validators import (
    validate_id_number,
    validate_mobile,
    validate_plain_text,
    validate_uscc,
)


# Choice labels stay Chinese (marked with gettext_noop): the API answers with them, the history
# and the notices keep them as written; pages show them translated ({% translate %}, gettext).
class CaseStatus(models.TextChoices):
    DRAFT = "draft", gettext_noop("草稿")
    SUBMITTED = "submitted", gettext_noop("待受理")  # waiting for the clerk's pre-review (预审)
    CORRECTION = "correction", gettext_noop("待补正")
    NOT_ACCEPTED = "not_accepted", gettext_noop("不予受理")
    IN_REVIEW = (
        "in_review",
        gettext_noop("审查中"),
    )  # accepted: the review steps of the item's process
    CONCLUDED = "concluded", gettext_noop("已办结")  # decided (approved or refused)
    DELIVERED = "delivered", gettext_noop("已送达")
    ARCHIVED = "archived", gettext_noop("已归档")
    WITHDRAWN = "withdrawn", gettext_noop("已撤回")


# Statuses in which the case is still the department's to handle (queues, overdue counting).
OPEN_STATUSES = frozenset({CaseStatus.SUBMITTED, CaseStatus.CORRECTION, CaseStatus.IN_REVIEW})
# Statuses whose legal clock has run (accepted at some point).
ACCEPTED_STATUSES = frozenset(
    {CaseStatus.IN_REVIEW, CaseStatus.CONCLUDED, CaseStatus.DELIVERED, CaseStatus.ARCHIVED}
)
# An applicant may change his application only while it is his.
APPLICANT_EDITABLE = frozenset({CaseStatus.DRAFT, CaseStatus.CORRECTION})


class Channel(models.TextChoices):
    ONLINE = "online", gettext_noop("网上")
    WINDOW = "window", gettext_noop("窗口")
    KIOSK = "kiosk", gettext_noop("自助终端")
    MOBILE = "mobile", gettext_noop("掌上")  # the API, e.g. a 皖事通 mini-program
    ASSISTED = "assisted", gettext_noop("帮办代办")


STAFF_CHANNELS = frozenset({Channel.WINDOW, Channel.KIOSK, Channel.ASSISTED})


class Delivery(models.TextChoices):
    PICKUP = "pickup", gettext_noop("窗口领取")
    EMS = "ems", gettext_noop("免费邮寄（EMS）")
    ELECTRONIC = "electronic", gettext_noop("电子送达")


# catalog.fields.DeliveryMethod value → the case's delivery choice.
DELIVERY_FROM_CATALOG = {
    "window": Delivery.PICKUP,
    "mail": Delivery.EMS,
    "electronic": Delivery.ELECTRONIC,
}


class Decision(models.TextChoices):
    APPROVE = "approve", gettext_noop("准予")
    REFUSE = "refuse", gettext_noop("不予")


class WarningLevel(models.TextChoices):
    NONE = "", gettext_noop("正常")
    WARNING = "warning", gettext_noop("即将超期")
    OVERDUE = "overdue", gettext_noop("已超期")


class PaymentStatus(models.TextChoices):
    NONE = "", gettext_noop("无需缴费")
    PENDING = "pending", gettext_noop("待缴费")
    PAID = "paid", gettext_noop("已缴费")


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", gettext_noop("受理通知书")
    NON_ACCEPTANCE = "non_acceptance", gettext_noop("不予受理通知书")
    CORRECTION = "correction", gettext_noop("补正告知书")
    SPECIAL_PROCEDURE = "special_procedure", gettext_noop("特别程序告知书")
    EXTENSION = "extension", gettext_noop("延长审批期限告知书")
    APPROVAL = "approval", gettext_noop("准予许可决定书")
    REFUSAL = "refusal", gettext_noop("不予许可决定书")
    PAYMENT = "payment", gettext_noop("缴费通知书")


class SpecialProcedureKind(models.TextChoices):
    HEARING = "hearing", gettext_noop("听证")
    TESTING = "testing", gettext_noop("检验检测")
    EXPERT_REVIEW = "expert_review", gettext_noop("专家评审")
    PUBLIC_NOTICE = "public_notice", gettext_noop("公示")
    OTHER = "other", gettext_noop("其他特别程序")


class VerificationStatus(models.TextChoices):
    OPEN = "open", gettext_noop("待核查")
    CONFIRMED = "confirmed", gettext_noop("核查属实")
    FALSE_COMMITMENT = "false", gettext_noop("承诺不实")


class BundleCaseStatus(models.TextChoices):
    """A bundle case (一件事): the parent of one child case per item."""

    DRAFT = "draft", gettext_noop("草稿")
    IN_PROGRESS = "in_progress", gettext_noop("办理中")  # a stage's child cases are handled
    CONCLUDED = "concluded", gettext_noop("已办结")  # every child case approved
    STOPPED = "stopped", gettext_noop("已终止")  # a child case refused: no later stage starts
    WITHDRAWN = "withdrawn", gettext_noop("已撤回")


# --- The law's numbers: settings with the law's defaults (DOMAIN.md, 《行政许可法》) -------------

MAX_REASON = 500
MAX_FEE = Decimal("99999999.99")


def pre_review_days() -> int:
    """第三十二条: tell the applicant within 5 working days, or the application counts as
    accepted from the day it was received (YIWANG_PRE_REVIEW_DAYS)."""
    return int(settings.YIWANG_PRE_REVIEW_DAYS)


def extension_days() -> int:
    """第四十二条: the head of the body may extend once by 10 working days
    (YIWANG_EXTENSION_DAYS)."""
    return int(settings.YIWANG_EXTENSION_DAYS)


def delivery_days() -> int:
    """第四十四条: the result is issued and delivered within 10 working days of the decision
    (YIWANG_DELIVERY_DAYS)."""
    return int(settings.YIWANG_DELIVERY_DAYS)


def warning_share() -> float:
    """Warn when this share of a limit has passed (YIWANG_CASE_WARNING_SHARE, default 0.8)."""
    return float(settings.YIWANG_CASE_WARNING_SHARE)


def deferred_supply_days() -> int:
    """容缺受理: working days to supply a deferred material (YIWANG_DEFERRED_SUPPLY_DAYS)."""
    return int(settings.YIWANG_DEFERRED_SUPPLY_DAYS)


def verification_days() -> int:
    """告知承诺: working days after the decision within which the commitment is verified
    (YIWANG_COMMITMENT_VERIFICATION_DAYS)."""
    return int(settings.YIWANG_COMMITMENT_VERIFICATION_DAYS)


def bundle_joint_days() -> int:
    """第四十二条: joint handling by several departments (一件事) takes at most 45 working days
    (YIWANG_BUNDLE_JOINT_DAYS)."""
    return int(settings.YIWANG_BUNDLE_JOINT_DAYS)


def bundle_extension_days() -> int:
    """…extendable once by 15 working days (YIWANG_BUNDLE_EXTENSION_DAYS)."""
    return int(settings.YIWANG_BUNDLE_EXTENSION_DAYS)


def upload_max_bytes() -> int:
    """Largest material file an applicant may upload (YIWANG_CASE_UPLOAD_MAX_BYTES)."""
    return int(settings.YIWANG_CASE_UPLOAD_MAX_BYTES)


# Material files a case accepts, by the content sniffer's kind (common.uploads).
MATERIAL_KINDS = frozenset({"pdf", "jpeg", "png", "docx", "xlsx"})


# --- Application-form values, by the form field's type (catalog.fields.FORM_FIELD_TYPES) -----

MAX_FORM_TEXT = 500
MAX_FORM_TEXTAREA = 5000
# Form field types whose values are personal data: masked on every output.
PERSONAL_FORM_TYPES = {"id_number": "id_number", "phone": "phone"}


def clean_form_value(kind: str, value: object, label: str) -> str:
    """The value of one application-form field, normalised, or ValidationError naming the
    field. Every value is kept as text (the form is stored encrypted as one JSON document)."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError(gettext("请填写“%(label)s”。") % {"label": label}, code="required")
    if kind == "id_number":
        return validate_id_number(text, label)
    if kind == "phone":
        # A mobile, or a fixed line with area code (0551-12345678).
        if re.fullmatch(r"0\d{2,3}-?\d{7,8}", text):
            return text
        return validate_mobile(text, label)
    if kind == "uscc":
        return validate_uscc(text, label)
    if kind == "email":
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(
                gettext("“%(label)s”不是有效的电子邮箱。") % {"label": label}, code="invalid"
            ) from None
        return text
    if kind == "number":
        if not re.fullmatch(r"-?\d{1,12}(\.\d{1,4})?", text):
            raise ValidationError(
                gettext("“%(label)s”应为数字。") % {"label": label}, code="invalid"
            )
        return text
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(
                gettext("“%(label)s”应为日期（如 2026-10-09）。") % {"label": label}, code="invalid"
            ) from None
    limit = MAX_FORM_TEXTAREA if kind == "textarea" else MAX_FORM_TEXT
    if len(text) > limit:
        raise ValidationError(
            gettext("“%(label)s”不能超过 %(limit)s 个字。") % {"label": label, "limit": limit},
            code="max_length",
        )
    validate_plain_text(text, label)
    return text
