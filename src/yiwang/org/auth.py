"""Authentication: sign-in backends, the API token authentication, the current-password check.

Staff sign in with user name and password; citizens with mobile number and password through
:class:`CitizenAuthBackend`, the interface a provincial single sign-on backend implements later.
Both share the lockout rule (YIWANG_LOCKOUT_ATTEMPTS failures lock for YIWANG_LOCKOUT_MINUTES),
and so does the old password on the password-change page.

No answer tells an unknown account, a wrong password, a deactivated and a locked account apart:
the same message (below), and the password hasher runs once in every case so that the time
taken does not tell either. Failures reach Django's `user_login_failed` signal (the audit trail
listens there).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from . import selectors, services
from .models import ApiKey, ApiKeyScope, ApiToken, User, UserKind

# What a failed sign-in says, whatever the cause.
STAFF_SIGN_IN_FAILED = "用户名或密码不正确，或账号已被暂时锁定，请稍后再试。"
CITIZEN_SIGN_IN_FAILED = "手机号码或密码不正确，或账号已被暂时锁定，请稍后再试。"

# Messages, not secrets (hence the noqa for ruff's hard-coded password check).
TOKEN_INVALID = "令牌无效或已被撤销，请重新获取令牌。"  # noqa: S105
TOKEN_EXPIRED = "令牌已过期，请重新获取令牌。"  # noqa: S105
TOKEN_MALFORMED = "令牌格式不正确，应为“Authorization: Token <令牌>”。"  # noqa: S105
API_KEY_INVALID = "接口密钥无效、已被撤销或不适用于此接口。"
API_KEY_MISSING = "此接口需要接口密钥（请求头 X-Api-Key）。"
API_KEY_WRONG_SCOPE = "此接口密钥的用途不是本接口，请使用对应用途的接口密钥。"
API_KEY_IN_URL = "接口密钥不能放在网址中，请放在请求体或 X-Api-Key 请求头中。"


class LockoutMixin:
    """Checks the lock and the password and counts failures race-safely in the database."""

    def _authenticate_user(self, user: User | None, password: str | None) -> User | None:
        if user is None or password is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password or "")
            return None
        # Checked before the lock, so a locked account takes as long as an open one.
        password_ok = user.check_password(password)
        if selectors.account_is_locked(user):
            raise PermissionDenied("account locked")
        if password_ok and user.is_active:
            services.sign_in_succeeded(user=user)
            return user
        services.sign_in_failed(user=user)
        return None


class PermissionsInOneRead:
    """ModelBackend's permissions (cached on the user object as Django caches them) gathered
    in one prepared query instead of two built ones: every API call asks."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)  # type: ignore[misc, no-any-return]
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = selectors.permission_names(user_obj)
        return user_obj._perm_cache  # type: ignore[no-any-return]


class StaffPasswordBackend(PermissionsInOneRead, LockoutMixin, ModelBackend):
    """User name + password for staff and system accounts (pages, admin and API token)."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            return None
        user = User.objects.filter(
            username=username, kind__in=[UserKind.STAFF, UserKind.SYSTEM]
        ).first()
        return self._authenticate_user(user, password)


class CitizenAuthBackend(ModelBackend):
    """Interface for citizen and enterprise sign-in. A provincial SSO backend subclasses this,
    accepts its own credentials (e.g. `ticket=`) and returns the matching local User, creating
    the Applicant through `yiwang.org.services.applicant_register` on first sign-in."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, **credentials: Any
    ) -> User | None:
        raise NotImplementedError


class CitizenMobileBackend(PermissionsInOneRead, LockoutMixin, CitizenAuthBackend):
    """Demo citizen sign-in: mainland mobile number + password."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        mobile: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if mobile is None:
            return None
        user = selectors.citizen_user_by_mobile(mobile)
        return self._authenticate_user(user, password)


def check_current_password(request: HttpRequest, user: User, password: str) -> bool:
    """The old password on the password-change page. A wrong one counts towards the lockout
    like a failed sign-in (and is reported as one to `user_login_failed`); the attempt that
    locks the account also ends its sessions (services.sign_in_failed)."""
    if user.check_password(password) and not selectors.account_is_locked(user):
        services.sign_in_succeeded(user=user)
        return True
    services.sign_in_failed(user=user)
    applicant = getattr(user, "applicant", None) if user.kind != UserKind.STAFF else None
    credentials = (
        {"mobile": applicant.phone.reveal()}
        if applicant is not None and applicant.phone
        else {"username": user.get_username()}
    )
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return False


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <token>` with a token from `org.services.api_token_issue`. The
    token is looked up by its digest; an expired, revoked or unknown token is a 401 with a
    Chinese message, as is a token of a deactivated or locked account."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(TOKEN_MALFORMED)
        try:
            token = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise AuthenticationFailed(TOKEN_MALFORMED) from exc
        found = selectors.api_token_by_digest(services.api_token_digest(token))
        if found is None:
            raise AuthenticationFailed(TOKEN_INVALID)
        if found.expires_at <= timezone.now():
            raise AuthenticationFailed(TOKEN_EXPIRED)
        user = found.user
        # Deactivation and lockout revoke tokens; this guards against any other path.
        if not user.is_active or selectors.account_is_locked(user):
            raise AuthenticationFailed(TOKEN_INVALID)
        return user, found

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes ApiTokenAuthentication in the OpenAPI schema (as DRF's token scheme was)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=ApiTokenAuthentication.keyword
        )


class ApiKeyAuthentication(BaseAuthentication):
    """An outside system's org.ApiKey of `scope` (subclasses set it), sent as `X-Api-Key: <key>`
    or `Authorization: ApiKey <key>`, or, when `param` is set, as that parameter of a form body
    (Open311's `api_key`) — never in a write's query string (refused there). An unknown,
    revoked or other-scope key is refused with one message; no key at all authenticates
    nobody (pair with HasApiKey to require one). request.user is anonymous — a key is not a
    person — and request.auth is the ApiKey (with its window)."""

    scope: str = ""
    param: str | None = None
    keyword = "ApiKey"
    header = "HTTP_X_API_KEY"

    def secret_of(self, request: Request) -> str | None:
        parts = get_authorization_header(request).split()
        if len(parts) == 2 and parts[0].lower() == self.keyword.lower().encode():
            return parts[1].decode("ascii", errors="replace")
        if request.META.get(self.header):
            return str(request.META[self.header])
        if self.param and request.method not in ("GET", "HEAD", "OPTIONS"):
            # Never from the query string: a key in a URL ends up in access logs and proxies.
            # (Reads need no key; one a client adds to a read's URL is ignored.)
            if self.param in request.query_params:
                raise AuthenticationFailed(API_KEY_IN_URL)
            data = request.data
            value = data.get(self.param) if hasattr(data, "get") else None
            if value:
                return str(value)
        return None

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        secret = self.secret_of(request)
        if secret is None:
            return None
        key = selectors.api_key_for(secret, self.scope)
        if key is None:
            raise AuthenticationFailed(API_KEY_INVALID)
        services.api_key_touch(key=key)
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class RatingDeviceKeyAuthentication(ApiKeyAuthentication):
    """A window's rating device: request.auth.window is the window it speaks for."""

    scope = ApiKeyScope.RATING_DEVICE


class Open311KeyAuthentication(ApiKeyAuthentication):
    """An Open311 GeoReport v2 client; the spec sends the key as `api_key`."""

    scope = ApiKeyScope.OPEN311
    param = "api_key"


class LicenseGatherKeyAuthentication(ApiKeyAuthentication):
    """A department's system sending its licences (licenses.gathering): request.auth.department
    is the department it speaks for. A valid key of another scope is not refused as unknown
    but as forbidden (403): the key is real, it just may not gather licences."""

    scope = ApiKeyScope.LICENSE_GATHER

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        secret = self.secret_of(request)
        # A digest is one key, so "of another scope" means "not of this one".
        if secret is not None and selectors.api_key_of_other_scope(secret, self.scope):
            raise Forbidden(API_KEY_WRONG_SCOPE)
        return super().authenticate(request)


class HasApiKey(BasePermission):
    """Allows a request authenticated by an ApiKeyAuthentication (any scope its view accepts)."""

    message = API_KEY_MISSING

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describes the API key authentications in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"
    match_subclasses = True

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


class LicenseGatherKeyScheme(ApiKeyScheme):
    """The gathering key under its own name: the schema may hold one component per class."""

    target_class = LicenseGatherKeyAuthentication
    name = "licenseGatherKeyAuth"
    match_subclasses = False
    priority = 1
