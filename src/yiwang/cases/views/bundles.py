"""The citizen portal's 一件事 pages (/my/cases/bundles/): one application for a bundle — one
form with every shared field asked once, one list of materials, one delivery — and its one
timeline until the result notice. No business rules here: cases.bundles checks and writes,
cases.bundle_selectors reads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.cases import bundle_selectors, bundles, presenters, selectors
from yiwang.cases.fields import PERSONAL_FORM_TYPES, BundleCaseStatus, Delivery
from yiwang.cases.models import BundleCase
from yiwang.cases.views.portal import NO_APPLICANT, applicant_page
from yiwang.catalog import selectors as catalog_selectors
from yiwang.catalog.guides.bundles import BundleNotice

SUBMITTED = gettext_noop("一件事申请已提交，各部门将分阶段联合办理，进度和结果统一告知。")
BUNDLE_NOT_FOUND = gettext_noop("没有找到该一件事，可能尚未发布或已撤销，暂不能在线申请。")


def _known(notice: BundleNotice, applicant: Any, bundle_case: BundleCase | None) -> dict[str, str]:
    """What the form starts from: the saved draft's values, else the profile's."""
    known: dict[str, str] = {}
    for item in notice.items:
        known.update(selectors.form_prefill(version=item.version, applicant=applicant))
    if bundle_case is not None:
        known.update({k: v for k, v in (bundle_case.form_data or {}).items() if v})
    return known


def _rows(
    notice: BundleNotice, applicant: Any, known: dict[str, str], posted: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for field in bundles.form_for(notice, applicant):
        personal = field.type in PERSONAL_FORM_TYPES
        value = posted.get(field.key, "" if personal else known.get(field.key, ""))
        rows.append(
            {
                "field": field,
                "name": f"form_{field.key}",
                "value": value,
                # Personal values are never put back into the page: shown masked, kept when
                # the input is left empty.
                "hint": presenters.display_form_value(field.type, known[field.key])
                if personal and known.get(field.key)
                else "",
                "input_type": {"date": "date", "number": "number", "email": "email"}.get(
                    field.type, "text"
                ),
            }
        )
    return rows


def _page(
    request: HttpRequest,
    notice: BundleNotice,
    applicant: Any,
    bundle_case: BundleCase | None,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    known = _known(notice, applicant, bundle_case)
    offered = bundles.offered_deliveries(notice)
    handed_in = (
        {m.key: m for m in bundle_selectors.bundle_materials(bundle_case)} if bundle_case else {}
    )
    # 免提交 by a licence: the entries the applicant's valid licences stand in for.
    licences = bundles.licence_stand_ins(notice, applicant)
    context = {
        "notice": notice,
        "bundle_case": bundle_case,
        "rows": _rows(notice, applicant, known, posted or {}),
        "materials": [
            {
                "entry": m,
                "name": f"material_{index}",
                "file": handed_in.get(m.key),
                "licence": licences.get(m.key),
            }
            for index, m in enumerate(notice.materials)
        ],
        "ems_offered": Delivery.EMS in offered,
        "deliveries": [
            (value, Delivery(value).label) for value in bundles.offered_deliveries(notice)
        ],
        "delivery": (posted or {}).get("delivery")
        or (bundle_case.delivery if bundle_case else next(iter(offered), Delivery.PICKUP)),
        "address": (posted or {})
        if posted and "ems_address" in posted
        else _address(applicant, bundle_case),
        "errors": errors or {},
    }
    return render(request, "cases/portal/bundle_apply.html", context, status=status)


def _address(applicant: Any, bundle_case: BundleCase | None) -> dict[str, str]:
    """The EMS fields as the page shows them (the phone masked: kept when left empty)."""
    saved = dict(bundle_case.delivery_address or {}) if bundle_case else {}
    return {
        "ems_recipient": saved.get("recipient", str(applicant.name)),
        "ems_address": saved.get("address", ""),
        "ems_phone_hint": presenters.display_form_value("phone", saved.get("phone", ""))
        if saved.get("phone")
        else "",
    }


def _posted_address(request: HttpRequest, bundle_case: BundleCase | None) -> dict[str, str]:
    saved = dict(bundle_case.delivery_address or {}) if bundle_case else {}
    return {
        "recipient": request.POST.get("ems_recipient", "").strip(),
        "phone": request.POST.get("ems_phone", "").strip() or saved.get("phone", ""),
        "address": request.POST.get("ems_address", "").strip(),
    }


def _posted_form(request: HttpRequest, notice: BundleNotice, applicant: Any) -> dict[str, str]:
    known = _known(notice, applicant, None)
    values = {}
    for field in bundles.form_for(notice, applicant):
        value = request.POST.get(f"form_{field.key}", "").strip()
        if not value and field.type in PERSONAL_FORM_TYPES:
            value = known.get(field.key, "")  # left empty: the profile's value stands
        values[field.key] = value
    return values


@applicant_page
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """The one application form of a bundle; saving keeps a draft, submitting starts stage 1."""
    bundle = catalog_selectors.published_bundle_by_code(code)
    if bundle is None:
        raise Http404(BUNDLE_NOT_FOUND)
    applicant = selectors.applicant_for(request.user)  # type: ignore[arg-type]
    if applicant is None:
        messages.error(request, _(NO_APPLICANT))
        return redirect("cases-portal:list")
    user: Any = request.user
    draft = bundle_selectors.bundle_draft_for(user=user, bundle_code=code)
    try:
        notice = bundles.published_notice(bundle)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from None
    if request.method != "POST":
        return _page(request, notice, applicant, draft)
    form = _posted_form(request, notice, applicant)
    delivery = request.POST.get("delivery") or Delivery.PICKUP
    address = _posted_address(request, draft) if delivery == Delivery.EMS else None
    errors: dict[str, list[str]] = {}
    try:
        if draft is None:
            draft = bundles.bundle_case_create(
                bundle=bundle,
                applicant=applicant,
                actor=user,
                form=form,
                delivery=delivery,
                delivery_address=address,
            )
        else:
            bundles.bundle_case_update(
                bundle_case=draft,
                actor=user,
                form=form,
                delivery=delivery,
                delivery_address=address,
            )
    except ValidationError as exc:
        return _page(
            request,
            notice,
            applicant,
            draft,
            errors=exc.message_dict,
            posted={
                **form,
                "delivery": delivery,
                "ems_recipient": request.POST.get("ems_recipient", ""),
                "ems_address": request.POST.get("ems_address", ""),
            },
            status=400,
        )
    for index, entry in enumerate(notice.materials):
        upload = request.FILES.get(f"material_{index}")
        if upload is None or entry.exempt:
            continue
        try:
            bundles.bundle_material_upload(
                bundle_case=draft,
                actor=user,
                key=entry.key,
                file=upload,
                file_name=upload.name or "",
            )
        except ValidationError as exc:
            errors[f"material_{index}"] = exc.messages
    if not errors and request.POST.get("action") == "submit":
        try:
            bundles.bundle_case_submit(bundle_case=draft, actor=user)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        return _page(request, notice, applicant, draft, errors=errors, status=400)
    if request.POST.get("action") == "submit":
        messages.success(request, _(SUBMITTED))
        return redirect("cases-portal:bundle-detail", pk=draft.pk)
    messages.success(request, _("草稿已保存，可随时回来继续填写。"))
    return redirect("cases-portal:bundle-apply", code=code)


@applicant_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The bundle's one timeline: its stages and child cases, and the result notice."""
    bundle_case = bundle_selectors.bundle_case_get_for(user=request.user, pk=pk)  # type: ignore[arg-type]
    children = bundle_selectors.bundle_children(bundle_case)
    notice = bundle_selectors.bundle_notice_for(bundle_case)
    by_item = {child.item_id: child for child in children}
    stages = [
        {
            "order": stage.order,
            "current": stage.order == bundle_case.stage,
            "items": [{"ref": i.ref, "case": by_item.get(i.version.item_id)} for i in stage.items],
        }
        for stage in notice.stages
    ]
    context = {
        "bundle_case": bundle_case,
        "stages": stages,
        "timeline": bundle_selectors.bundle_timeline(bundle_case),
        "result": bundle_case.result_notice or None,
        "statuses": BundleCaseStatus,
    }
    return render(request, "cases/portal/bundle_detail.html", context)
