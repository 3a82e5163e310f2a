"""Licences issued automatically (本平台签发): when a case is concluded with an approval (准予)
and its item produces a licence type (LicenseType.items), the licence is issued to the case's
applicant, sealed by the type's department, with License.case set.

Rules (docs/licenses.md, 自动签发):
- Only an approval: `Case.decision == "approve"` (a refusal, 不予, issues nothing).
- The holder is the applicant: a person by name and ID number (encrypted, as every licence),
  a legal person by name and USCC.
- The issuer is the licence type's department (license_issue's rule: a type is sealed by the one
  department that issues it), whichever department handled the case.
- A licence field is filled from its source (the type's field definition, licenses.fields):
  "form:<key>", the case's application-form field of that key, or a case attribute
  (CASE_SOURCES: case:number, case:concluded_on, applicant:name,
  applicant:legal_representative); a field without a source takes the form field whose label
  (or key) is the field's name. Personal-data form fields (ID numbers, phones) never fill one.
  Text is converted to the field's kind (整数, 是/否, 日期); a required licence field left
  empty makes issuing fail with a sentence naming the field and its source (and be retried).
- Validity: from the decision day (Case.concluded_on), with no end (types carry no validity
  rule yet).
- Idempotent: one licence per case and type (a unique constraint); a second run changes
  nothing.

Transactions: the licence is issued in the decision's own transaction (the receiver on the
"decide" history line), inside a savepoint: the decision and its licence commit together, and a
decision rolled back leaves no licence behind. Sealing must never undo a lawful decision, so a
failure (no seal key yet, a field the form lacks) rolls back the savepoint only, is logged and
audited (licenses.issue_failed), and `issue_pending` — run by the cases sweep — issues it later.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from yiwang.audit.services import audit_operation
from yiwang.common.personal import PersonalValue
from yiwang.licenses import services
from yiwang.licenses.fields import CASE_SOURCES, FORM_SOURCE
from yiwang.licenses.models import HolderKind, License, LicenseType

logger = logging.getLogger(__name__)

APPROVE = "approve"  # cases.fields.Decision.APPROVE (not imported: cases must not be needed here)
# Form field types whose values never go into a licence's (unencrypted) fields.
PERSONAL_FORM_TYPES = frozenset({"id_number", "phone"})
TRUE_TEXT = frozenset({"是", "有", "true", "yes", "1"})
FALSE_TEXT = frozenset({"否", "无", "false", "no", "0"})


def types_for_item(item_id: int) -> QuerySet[LicenseType]:
    """The licence types an item's approved cases produce."""
    return LicenseType.objects.select_related("department").filter(items=item_id)


def _converted(kind: str, text: str) -> Any:
    # The form keeps every value as text; the licence field has a kind. What does not convert
    # is passed on as it is, so license_issue refuses it with its own sentence.
    if kind == "integer" and re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if kind == "boolean":
        if text.lower() in TRUE_TEXT:
            return True
        if text.lower() in FALSE_TEXT:
            return False
    return text


def _case_value(source: str, case: Any) -> str:
    if source == "case:number":
        return str(case.number or "")
    if source == "case:concluded_on":
        return case.concluded_on.isoformat() if case.concluded_on else ""
    attribute = source.removeprefix("applicant:")  # name, legal_representative
    return str(getattr(case.applicant, attribute, "") or "")


def field_values(license_type: LicenseType, case: Any) -> tuple[dict[str, Any], list[str]]:
    """The licence's field values from `case` (each field from its source, see the module),
    and for each required field left empty one sentence saying which and why."""
    form = case.form_data or {}
    specs = {str(spec.get("key") or ""): spec for spec in case.version.form_fields or []}
    by_name: dict[str, str] = {}  # a form field's label and key -> its key
    for key, spec in specs.items():
        if spec.get("type") not in PERSONAL_FORM_TYPES:
            for name in (str(spec.get("label") or "").strip(), key):
                by_name.setdefault(name, key)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for item in license_type.fields:
        name, source = item["name"], str(item.get("source") or "")
        text, why = "", ""
        if source.startswith(FORM_SOURCE):
            key = source.removeprefix(FORM_SOURCE)
            spec = specs.get(key)
            label = str(spec.get("label") or key) if spec else key
            if spec is None:
                why = f"来源栏目“{key}”不在本事项的申请表中"
            elif spec.get("type") in PERSONAL_FORM_TYPES:
                why = f"来源栏目“{label}”是个人信息，不写入证照字段"
            else:
                text, why = str(form.get(key) or ""), f"申请表栏目“{label}”未填写"
        elif source:
            text, why = _case_value(source, case), f"办件的{CASE_SOURCES.get(source, source)}为空"
        elif name in by_name:
            text, why = str(form.get(by_name[name]) or ""), f"申请表栏目“{name}”未填写"
        else:
            why = f"证照类型未指定来源，申请表也没有名为“{name}”的栏目"
        if text.strip():
            values[name] = _converted(item["kind"], text.strip())
        elif item.get("required"):
            problems.append(f"证照字段“{name}”无法填写：{why}。")
    return values, problems


def fields_from_form(license_type: LicenseType, case: Any) -> dict[str, Any]:
    """The licence's field values `case` gives (field_values, without the problems)."""
    return field_values(license_type, case)[0]


def _holder(applicant: Any) -> dict[str, Any]:
    if applicant.kind == "legal_person":  # org.ApplicantKind.LEGAL_PERSON
        return {
            "holder_kind": HolderKind.ENTERPRISE,
            "holder_name": applicant.name,
            "holder_uscc": applicant.uscc,
        }
    number = applicant.id_number
    # The clear number goes only into license_issue, which encrypts it again (and audits).
    clear = number.reveal() if isinstance(number, PersonalValue) else str(number or "")
    return {
        "holder_kind": HolderKind.PERSON,
        "holder_name": applicant.name,
        "holder_id_number": clear,
    }


def _failed(case: Any, license_type: LicenseType, message: str, *, audit: bool) -> None:
    logger.warning(
        "办件 %s 准予后签发电子证照“%s”失败（将由巡检重试）：%s",
        case.number,
        license_type.code,
        message,
    )
    if not audit:
        return  # a retry that fails again: the first failure is on record already
    audit_operation(
        action="licenses.issue_failed",
        object_type="cases.case",
        object_id=str(case.pk),
        object_label=case.number,
        changes={"license_type": {"before": None, "after": license_type.code}},
        reason=message[:200],
    )


def _tell_applicant(case: Any, license: License) -> None:
    from yiwang.notifications.services import notify

    user = case.applicant.user
    if user is None:
        return
    notify(
        kind="license.issued",
        text=f"您的办件 {case.number}（{case.version.name}）已签发电子证照"
        f"“{license.license_type.name}”（{license.identifier}），可在“我的证照”中查看和下载。",
        recipients=[user],
        subject=case,
    )


def issue_for_case(case: Any, *, actor: Any = None, retry: bool = False) -> list[License]:
    """Issue the licences `case` produces (none unless it was approved), each in a savepoint
    of the caller's transaction; the ones already issued are left as they are. Returns the
    licences issued now. A failure is logged and (the first time, not on a `retry`) audited,
    never raised (see the module)."""
    if case.decision != APPROVE or case.concluded_on is None:
        return []
    issued: list[License] = []
    for license_type in types_for_item(case.item_id):
        if License.objects.filter(case=case, license_type=license_type).exists():
            continue
        fields, problems = field_values(license_type, case)
        if problems:  # said here, by field and source, rather than license_issue's "请填写"
            _failed(case, license_type, " ".join(problems), audit=not retry)
            continue
        try:
            with transaction.atomic():
                license = services.license_issue(
                    license_type=license_type,
                    **_holder(case.applicant),
                    fields=fields,
                    valid_from=case.concluded_on,
                    applicant=case.applicant,
                    case=case,
                    actor=actor,
                )
        except ValidationError as exc:
            _failed(case, license_type, " ".join(exc.messages), audit=not retry)
            continue
        except Exception as exc:  # sealing or the database: never undo the decision
            logger.exception("办件 %s 签发电子证照出错。", case.number)
            _failed(case, license_type, f"{type(exc).__name__}: {exc}", audit=not retry)
            continue
        issued.append(license)
        _tell_applicant(case, license)
    return issued


def pending_cases(*, today: dt.date | None = None) -> QuerySet[Any]:
    """Approved cases concluded in the last YIWANG_LICENSE_ISSUE_RETRY_DAYS days whose item
    produces a licence type they have no licence of yet."""
    from yiwang.cases.models import Case

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=settings.YIWANG_LICENSE_ISSUE_RETRY_DAYS)
    missing = LicenseType.objects.filter(items=OuterRef("item")).exclude(
        Exists(License.objects.filter(case=OuterRef(OuterRef("pk")), license_type=OuterRef("pk")))
    )
    return Case.objects.filter(decision=APPROVE, concluded_on__gte=since).filter(Exists(missing))


def issue_pending(*, today: dt.date | None = None) -> int:
    """Retry issuing for the cases `pending_cases` finds (the cases sweep runs this), each in
    its own transaction with the case row locked (so a decision's own issuing and a retry
    never both issue). Returns how many licences were issued."""
    from yiwang.cases.models import Case

    count = 0
    for pk in pending_cases(today=today).values_list("pk", flat=True):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("version", "applicant__user")
                .get(pk=pk)
            )
            count += len(issue_for_case(case, retry=True))
    return count
