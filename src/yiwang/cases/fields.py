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

from yiwang.common.validators import (
    validate_id_number,
    validate_mobile,
    validate_plain_text,
    validate_uscc,
)


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待受理"  # waiting for the clerk's pre-review (预审)
    CORRECTION = "correction", "待补正"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    IN_REVIEW = "in_review", "审查中"  # accepted: the review steps of the item's process
    CONCLUDED = "concluded", "已办结"  # decided (approved or refused)
    DELIVERED = "delivered", "已送达"
    ARCHIVED = "archived", "已归档"
    WITHDRAWN = "withdrawn", "已撤回"


# Statuses in which the case is still the department's to handle (queues, overdue counting).
OPEN_STATUSES = frozenset({CaseStatus.SUBMITTED, CaseStatus.CORRECTION, CaseStatus.IN_REVIEW})
# Statuses whose legal clock has run (accepted at some point).
ACCEPTED_STATUSES = frozenset(
    {CaseStatus.IN_REVIEW, CaseStatus.CONCLUDED, CaseStatus.DELIVERED, CaseStatus.ARCHIVED}
)
# An applicant may change his application only while it is his.
APPLICANT_EDITABLE = frozenset({CaseStatus.DRAFT, CaseStatus.CORRECTION})


class Channel(models.TextChoices):
    ONLINE = "online", "网上"
    WINDOW = "window", "窗口"
    KIOSK = "kiosk", "自助终端"
    MOBILE = "mobile", "掌上"  # the API, e.g. a 皖事通 mini-program
    ASSISTED = "assisted", "帮办代办"


STAFF_CHANNELS = frozenset({Channel.WINDOW, Channel.KIOSK, Channel.ASSISTED})


class Delivery(models.TextChoices):
    PICKUP = "pickup", "窗口领取"
    EMS = "ems", "免费邮寄（EMS）"
    ELECTRONIC = "electronic", "电子送达"


# catalog.fields.DeliveryMethod value → the case's delivery choice.
DELIVERY_FROM_CATALOG = {
    "window": Delivery.PICKUP,
    "mail": Delivery.EMS,
    "electronic": Delivery.ELECTRONIC,
}


class Decision(models.TextChoices):
    APPROVE = "approve", "准予"
    REFUSE = "refuse", "不予"


class WarningLevel(models.TextChoices):
    NONE = "", "正常"
    WARNING = "warning", "即将超期"
    OVERDUE = "overdue", "已超期"


class PaymentStatus(models.TextChoices):
    NONE = "", "无需缴费"
    PENDING = "pending", "待缴费"
    PAID = "paid", "已缴费"


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", "受理通知书"
    NON_ACCEPTANCE = "non_acceptance", "不予受理通知书"
    CORRECTION = "correction", "补正告知书"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序告知书"
    EXTENSION = "extension", "延长审批期限告知书"
    APPROVAL = "approval", "准予许可决定书"
    REFUSAL = "refusal", "不予许可决定书"
    PAYMENT = "payment", "缴费通知书"


class SpecialProcedureKind(models.TextChoices):
    HEARING = "hearing", "听证"
    TESTING = "testing", "检验检测"
    EXPERT_REVIEW = "expert_review", "专家评审"
    PUBLIC_NOTICE = "public_notice", "公示"
    OTHER = "other", "其他特别程序"


class VerificationStatus(models.TextChoices):
    OPEN = "open", "待核查"
    CONFIRMED = "confirmed", "核查属实"
    FALSE_COMMITMENT = "false", "承诺不实"


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
        raise ValidationError(f"请填写“{label}”。", code="required")
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
            raise ValidationError(f"“{label}”不是有效的电子邮箱。", code="invalid") from None
        return text
    if kind == "number":
        if not re.fullmatch(r"-?\d{1,12}(\.\d{1,4})?", text):
            raise ValidationError(f"“{label}”应为数字。", code="invalid")
        return text
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(f"“{label}”应为日期（如 2026-10-09）。", code="invalid") from None
    limit = MAX_FORM_TEXTAREA if kind == "textarea" else MAX_FORM_TEXT
    if len(text) > limit:
        raise ValidationError(f"“{label}”不能超过 {limit} 个字。", code="max_length")
    validate_plain_text(text, label)
    return text
