"""The citizen portal's case pages (/my/cases/): apply online for a published item (the guide's
在线申请 button), save a draft and finish later, 我的办件 with each case's progress, the
correction resubmission, payment, withdrawal, and links to the notices and materials. Signed-in
citizens and enterprises only, each seeing his own cases (the selectors: another's case is
404). No business rules here: the services check and write, the selectors read."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from yiwang.cases import bundle_selectors, presenters, selectors, services
from yiwang.cases.fields import CaseStatus, PaymentStatus
from yiwang.cases.forms import ApplicationForm, CorrectionForm, WithdrawForm
from yiwang.cases.models import Case
from yiwang.cases.workflow import CASE
from yiwang.catalog import selectors as catalog_selectors
from yiwang.portal.selectors import is_applicant_user

PAGE_SIZE = 20
# Chinese, marked: pages show them in the reader's language (the error page: common.errors).
ITEM_NOT_FOUND = gettext_noop("没有找到该事项，事项可能尚未发布、已暂停或已撤销，暂不能在线申请。")
NO_APPLICANT = gettext_noop(
    "您的账号尚未关联申请人信息，暂不能在线申请，请到政务服务大厅窗口办理。"
)

View = Callable[..., HttpResponseBase]


def applicant_page(view: View) -> View:
    """Citizens and enterprises only: anonymous visitors sign in first (and come back), staff
    and system accounts are sent to the workbench."""

    @login_required(login_url="org:citizen-sign-in")
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_applicant_user(request.user):
            return redirect("workbench:home")
        return view(request, *args, **kwargs)

    return wrapper


# --- 我的办件 ----------------------------------------------------------------------------------


@applicant_page
def case_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.case_list_for(user=request.user)  # type: ignore[arg-type]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    bundle_cases = bundle_selectors.bundle_cases_for(user=request.user)[:PAGE_SIZE]  # type: ignore[arg-type]
    return render(
        request,
        "cases/portal/list.html",
        {"page": page, "cases": page.object_list, "bundle_cases": bundle_cases},
    )


# --- Applying ----------------------------------------------------------------------------------


def _known_values(version: Any, applicant: Any, case: Case | None) -> dict[str, str]:
    """The form values the page starts from: the saved draft's, else the profile's."""
    known = selectors.form_prefill(version=version, applicant=applicant)
    if case is not None:
        known.update({k: v for k, v in (case.form_data or {}).items() if v})
    return known


def _known_address(
    version: Any, applicant: Any, case: Case | None, known: dict[str, str]
) -> dict[str, str]:
    if case is not None and case.delivery_address:
        return dict(case.delivery_address)
    phone = next(
        (
            known[str(f["key"])]
            for f in version.form_fields or []
            if f.get("type") == "phone" and known.get(str(f["key"]))
        ),
        "",
    )
    return {"recipient": str(applicant.name), "phone": phone, "address": ""}


def _application_form(
    request: HttpRequest, version: Any, applicant: Any, case: Case | None
) -> ApplicationForm:
    known = _known_values(version, applicant, case)
    initial: dict[str, Any] = {}
    if case is not None:
        initial["delivery"] = case.delivery
        initial["commitment"] = case.commitment
    return ApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        version=version,
        known=known,
        known_address=_known_address(version, applicant, case, known),
        materials=version.materials.all(),
        initial=initial,
    )


def _apply_page(
    request: HttpRequest, form: ApplicationForm, version: Any, case: Case | None, status: int = 200
) -> HttpResponse:
    from yiwang.licenses.exemption import version_licence_materials  # 免提交 by a licence

    current = list(selectors.case_materials(case)) if case is not None else []
    applicant = case.applicant if case is not None else selectors.applicant_for(request.user)  # type: ignore[arg-type]
    licences = version_licence_materials(version, applicant)
    context = {
        "form": form,
        "version": version,
        "case": case,
        "materials": [
            (row, form[row.field_name] if row.field_name in form.fields else None)
            for row in presenters.material_rows(version.materials.all(), current, licences)
        ],
        "commitment_text": services.COMMITMENT_TEMPLATE.format(item=version.name),
        "correction": case is not None and case.status == CaseStatus.CORRECTION,
    }
    return render(request, "cases/portal/apply.html", context, status=status)


def _save(
    request: HttpRequest, form: ApplicationForm, item: Any, version: Any, case: Case | None
) -> HttpResponse:
    """Create or change the draft, hand in the files chosen, and submit when asked. Whatever
    was accepted is kept (a draft to finish later); errors are shown next to their fields."""
    user = request.user
    if not form.is_valid():
        return _apply_page(request, form, version, case, status=400)
    try:
        if case is None:
            case = services.case_create(
                item=item,
                applicant=selectors.applicant_for(user),  # type: ignore[arg-type]
                actor=user,  # type: ignore[arg-type]
                form=form.form_values(),
                delivery=form.chosen_delivery(),
                delivery_address=form.chosen_address(),
                commitment=form.chosen_commitment(),
            )
        else:
            case = services.case_update(
                case=case,
                actor=user,  # type: ignore[arg-type]
                form=form.form_values(),
                delivery=form.chosen_delivery(),
                delivery_address=form.chosen_address(),
                commitment=form.chosen_commitment() if version.commitment_based else None,
            )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _apply_page(request, form, version, case, status=400)
    for order, name, file in form.uploads():
        try:
            services.case_material_upload(
                case=case,
                actor=user,  # type: ignore[arg-type]
                order=order,
                file=file,
                file_name=file.name,
            )
        except ValidationError as exc:
            form.add_service_errors(exc, field=name)
    if not form.errors and form.wants_submit:
        try:
            if case.status == CaseStatus.CORRECTION:
                services.case_resubmit(case=case, actor=user)  # type: ignore[arg-type]
            else:
                services.case_submit(case=case, actor=user)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_service_errors(exc)
    if form.errors:
        case.refresh_from_db()
        return _apply_page(request, form, version, case, status=400)
    if form.wants_submit:
        messages.success(request, _("申请已提交，请等待部门预审。办理进度可在“我的办件”查看。"))
        return redirect("cases-portal:detail", pk=case.pk)
    if case.status == CaseStatus.CORRECTION:
        messages.success(request, _("修改已保存。补正材料齐全后请提交补正。"))
        return redirect("cases-portal:detail", pk=case.pk)
    messages.success(request, _("草稿已保存，可随时回来继续填写。"))
    return redirect("cases-portal:edit", pk=case.pk)


@applicant_page
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """The application form for the item's published version, prefilled from the profile."""
    item = catalog_selectors.published_item_by_code(code)
    if item is None or item.published_version is None:
        raise Http404(ITEM_NOT_FOUND)
    applicant = selectors.applicant_for(request.user)  # type: ignore[arg-type]
    if applicant is None:
        messages.error(request, _(NO_APPLICANT))
        return redirect("cases-portal:list")
    draft = selectors.case_list_for(
        user=request.user,  # type: ignore[arg-type]
        status=CaseStatus.DRAFT,
        item=item.code,
    ).first()
    if draft is not None and draft.version_id == item.published_version_id:
        messages.info(request, _("您有一份该事项尚未提交的草稿，请继续填写。"))
        return redirect("cases-portal:edit", pk=draft.pk)
    version = item.published_version
    form = _application_form(request, version, applicant, None)
    if request.method == "POST":
        return _save(request, form, item, version, None)
    return _apply_page(request, form, version, None)


@applicant_page
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Finish a draft later, or change the application while a correction is requested."""
    case = selectors.case_get_for(user=request.user, pk=pk)  # type: ignore[arg-type]
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION):
        return redirect("cases-portal:detail", pk=case.pk)
    form = _application_form(request, case.version, case.applicant, case)
    if request.method == "POST":
        return _save(request, form, case.item, case.version, case)
    return _apply_page(request, form, case.version, case)


# --- One case ----------------------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    case: Case,
    *,
    correction_form: CorrectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    from yiwang.licenses.exemption import case_material_uses  # 免提交 by a licence

    events = list(selectors.case_history(case))
    corrections = list(case.corrections.all())
    open_correction = next((c for c in reversed(corrections) if c.resolved_at is None), None)
    if open_correction is not None and correction_form is None:
        correction_form = CorrectionForm(entries=open_correction.entries)
    actions = {t.name for t in CASE.available(case.status, request.user)}
    notices = list(selectors.case_notices(case))
    payment = getattr(case, "payment", None) if case.payment_status else None
    applicant = case.applicant
    context = {
        "case": case,
        "timeline": presenters.applicant_timeline(case, events),
        "history": presenters.applicant_history(events),
        "form_rows": presenters.form_rows(case.version.form_fields, case.form_data or {}),
        "materials": presenters.material_rows(
            case.version.materials.all(),
            selectors.case_materials(case),
            case_material_uses(case),
        ),
        "issued_licences": list(case.issued_licenses.select_related("license_type")),
        "notices": notices,
        "results": [n for n in notices if n.kind in RESULT_NOTICES],
        "open_correction": open_correction,
        "correction_form": correction_form if case.status == CaseStatus.CORRECTION else None,
        "can_withdraw": "withdraw" in actions,
        "can_edit": case.status in (CaseStatus.DRAFT, CaseStatus.CORRECTION),
        "can_pay": "pay" in actions and case.payment_status == PaymentStatus.PENDING,
        "payment": payment,
        "withdraw_form": WithdrawForm(),
        "applicant_id": applicant.id_number or applicant.uscc,
        "applicant_phone": applicant.phone,
        "delivery_address": _masked_address(case.delivery_address),
        "channel_label": presenters.channel_label(case.channel),
    }
    return render(request, "cases/portal/detail.html", context, status=status)


# The notices that carry the result (the decision) and the ones about paying for it.
RESULT_NOTICES = {"approval", "refusal", "non_acceptance"}


def _masked_address(address: dict[str, str] | None) -> dict[str, str]:
    if not address:
        return {}
    return {
        **address,
        "phone": presenters.display_form_value("phone", address.get("phone", "")),
    }


@applicant_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)  # type: ignore[arg-type]
    return _detail_page(request, case)


def _post_case(request: HttpRequest, pk: int) -> Case:
    return selectors.case_get_for(user=request.user, pk=pk)  # type: ignore[arg-type]


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@applicant_page
@require_POST
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """补正: new files for the materials the notice lists, then hand the application back."""
    case = _post_case(request, pk)
    corrections = [c for c in case.corrections.all() if c.resolved_at is None]
    entries = corrections[-1].entries if corrections else []
    form = CorrectionForm(request.POST, request.FILES, entries=entries)
    if case.status != CaseStatus.CORRECTION:
        messages.error(request, _("该办件当前不需要补正。"))
        return redirect("cases-portal:detail", pk=case.pk)
    if form.is_valid():
        for order, name, file in form.uploads():
            try:
                services.case_material_upload(
                    case=case,
                    actor=request.user,  # type: ignore[arg-type]
                    order=order,
                    file=file,
                    file_name=file.name,
                )
            except ValidationError as exc:
                form.add_service_errors(exc, field=name)
    if not form.errors:
        try:
            services.case_resubmit(case=case, actor=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_service_errors(exc)
    if form.errors:
        case.refresh_from_db()
        return _detail_page(request, case, correction_form=form, status=400)
    messages.success(request, _("补正材料已提交，请等待部门预审。"))
    return redirect("cases-portal:detail", pk=case.pk)


@applicant_page
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _post_case(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.case_withdraw(case=case, actor=request.user, reason=reason)  # type: ignore[arg-type]
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("cases-portal:detail", pk=case.pk)


@applicant_page
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay the fee through the payment channel (the demo channel confirms at once)."""
    case = _post_case(request, pk)
    try:
        payment = services.case_pay(case=case, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("缴费成功：%(amount)s 元，交易号 %(ref)s。")
            % {
                "amount": payment.amount,
                "ref": payment.reference,
            },
        )
    return redirect("cases-portal:detail", pk=case.pk)
