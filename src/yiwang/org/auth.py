"""Authentication backends.

Staff sign in with user name and password; citizens with mobile number and password through
:class:`CitizenAuthBackend`, the interface a provincial single sign-on backend implements later.
Both share the lockout rule (YIWANG_LOCKOUT_ATTEMPTS failures lock for YIWANG_LOCKOUT_MINUTES).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import selectors, services
from .models import User, UserKind


class LockoutMixin:
    """Checks the lock before the password and counts failures race-safely in the database."""

    def _authenticate_user(self, user: User | None, password: str | None) -> User | None:
        if user is None or password is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password or "")
            return None
        if selectors.account_is_locked(user):
            raise PermissionDenied("account locked")
        if user.check_password(password) and user.is_active:
            services.sign_in_succeeded(user=user)
            return user
        services.sign_in_failed(user=user)
        return None


class StaffPasswordBackend(LockoutMixin, ModelBackend):
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


class CitizenMobileBackend(LockoutMixin, CitizenAuthBackend):
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
