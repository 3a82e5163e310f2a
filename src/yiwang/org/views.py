"""Pages of the org app: sign-in, password change, citizen registration, staff and windows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from yiwang.audit.services import personal_data_reveal
from yiwang.common.errors import render_error
from yiwang.common.personal import normalise

from . import ratelimit, selectors, services
from .auth import CITIZEN_SIGN_IN_FAILED, STAFF_SIGN_IN_FAILED, check_current_password
from .decorators import staff_page
from .forms import (
    CitizenRegisterForm,
    CitizenSignInForm,
    PasswordChangeForm,
    RevealForm,
    StaffSignInForm,
)
from .models import User, UserKind


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _form_add_service_errors(form, exc: ValidationError) -> None:  # type: ignore[no-untyped-def]
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# What every registration that passes validation is told, whether it created an account or
# the ID number / mobile number was registered already (which the page must not reveal).
REGISTRATION_SUBMITTED = gettext_noop(
    "注册信息已提交。如该手机号码和证件号码此前未注册，账号现已开通，请用手机号码和密码登录；"
    "如此前已注册，请用原密码登录，忘记密码请到政务服务大厅窗口办理。"
)


def _too_many(request: HttpRequest, exc: ratelimit.RateLimited) -> HttpResponse:
    response = render_error(request, 429, exc.message)
    response["Retry-After"] = str(exc.retry_after)
    return response


@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    """Staff sign-in (工作人员登录)."""
    form = StaffSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            ratelimit.hit(request, ratelimit.SIGN_IN, account=username)
        except ratelimit.RateLimited as exc:
            return _too_many(request, exc)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            return redirect(_safe_next(request, "workbench:home"))
        form.add_error(None, STAFF_SIGN_IN_FAILED)
    return render(request, "org/sign_in.html", {"form": form, "next": request.GET.get("next", "")})


@sensitive_post_parameters("password")
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The master-data admin's sign-in (/admin/login/) under the same rate limit as the staff
    sign-in, which it would otherwise bypass; the admin's own view does the rest."""
    from django.contrib import admin

    if request.method == "POST":
        try:
            ratelimit.hit(request, ratelimit.SIGN_IN, account=request.POST.get("username", ""))
        except ratelimit.RateLimited as exc:
            return _too_many(request, exc)
    return admin.site.login(request)


@sensitive_post_parameters("password")
def citizen_sign_in(request: HttpRequest) -> HttpResponse:
    """Citizen and enterprise sign-in with mobile number and password."""
    form = CitizenSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            ratelimit.hit(request, ratelimit.CITIZEN_SIGN_IN, account=normalise("phone", mobile))
        except ratelimit.RateLimited as exc:
            return _too_many(request, exc)
        user = authenticate(request, mobile=mobile, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            return redirect(_safe_next(request, "portal:home"))
        form.add_error(None, CITIZEN_SIGN_IN_FAILED)
    return render(
        request, "org/citizen_sign_in.html", {"form": form, "next": request.GET.get("next", "")}
    )


@sensitive_post_parameters("password", "id_number", "legal_representative_id_number", "phone")
def citizen_register(request: HttpRequest) -> HttpResponse:
    """Citizen or enterprise self-registration. Whether it created an account or found the ID
    number or mobile number registered already, the answer is the same: the sign-in page with
    REGISTRATION_SUBMITTED."""
    form = CitizenRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.hit(
                request, ratelimit.REGISTER, account=normalise("phone", form.cleaned_data["phone"])
            )
        except ratelimit.RateLimited as exc:
            return _too_many(request, exc)
        try:
            services.citizen_register(**form.cleaned_data)
        except ValidationError as exc:
            _form_add_service_errors(form, exc)
        else:
            messages.success(request, gettext(REGISTRATION_SUBMITTED))
            return redirect("org:citizen-sign-in")
    return render(request, "org/citizen_register.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    was_citizen = getattr(request.user, "kind", UserKind.STAFF) in (
        UserKind.CITIZEN,
        UserKind.ENTERPRISE,
    )
    logout(request)
    return redirect("portal:home" if was_citizen else "org:sign-in")


@login_required
@sensitive_post_parameters()
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; forced at first sign-in."""
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.hit(request, ratelimit.PASSWORD_CHANGE, account=user.get_username())
        except ratelimit.RateLimited as exc:
            return _too_many(request, exc)
        if not check_current_password(request, user, form.cleaned_data["old_password"]):
            if selectors.account_is_locked(user):
                # That attempt locked the account and ended its sessions, this one included.
                staff = user.kind in (UserKind.STAFF, UserKind.SYSTEM)
                logout(request)
                messages.error(
                    request,
                    gettext("原密码连续输错次数过多，账号已被暂时锁定，您已退出登录，请稍后再试。"),
                )
                return redirect("org:sign-in" if staff else "org:citizen-sign-in")
            form.add_error("old_password", gettext("原密码不正确。"))
        else:
            try:
                services.password_change(user=user, new_password=form.cleaned_data["new_password1"])
            except ValidationError as exc:
                _form_add_service_errors(form, exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, gettext("密码已修改。"))
                home = "workbench:home" if user.kind == UserKind.STAFF else "portal:home"
                return redirect(home)
    return render(
        request, "org/password_change.html", {"form": form, "forced": user.must_change_password}
    )


@staff_page()
def staff_list(request: HttpRequest) -> HttpResponse:
    """Staff directory within the user's data scope."""
    user: User = request.user  # type: ignore[assignment]
    staff = selectors.staff_list_for(user=user)
    return render(
        request,
        "org/staff_list.html",
        {"staff_list": staff, "scope": selectors.data_scope_for(user)},
    )


@staff_page()
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = selectors.staff_get_for(user=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "org/staff_detail.html", {"staff": staff})


@staff_page()
def window_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "org/window_list.html",
        {"windows": selectors.window_list_for(user=user), "scope": selectors.data_scope_for(user)},
    )


@staff_page()
def applicant_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # The ID number comes by POST: in a GET query it would land in access logs, browser
    # history and the sign-in page's `next=`.
    query = request.POST.get("id_number", "").strip() if request.method == "POST" else ""
    applicants = selectors.applicant_list_for(user=user)
    if query:
        found = selectors.applicant_find_by_id_number(user=user, id_number=query)
        applicants = applicants.filter(pk=found.pk) if found else applicants.none()
    return render(
        request, "org/applicant_list.html", {"applicants": applicants[:200], "query": query}
    )


@staff_page()
def applicant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Applicant record, masked; a permitted user may reveal one field, giving a reason."""
    user: User = request.user  # type: ignore[assignment]
    applicant = selectors.applicant_get_for(user=user, pk=pk)
    form = RevealForm(request.POST or None)
    revealed: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            revealed[form.cleaned_data["field"]] = personal_data_reveal(
                actor=user,
                obj=applicant,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            form.add_error(None, gettext("您没有查看个人信息明文的权限。"))
        except ValidationError as exc:
            _form_add_service_errors(form, exc)
    return render(
        request,
        "org/applicant_detail.html",
        {
            "applicant": applicant,
            "form": form,
            "revealed": revealed,
            "may_reveal": user.has_perm("audit.reveal_personal_data"),
        },
    )
