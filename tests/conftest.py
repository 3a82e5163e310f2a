"""Project-wide test fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.browser", "tests.ci_skips", "tests.scale_out", "tests.seeded"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests never run collectstatic; serve assets from the finders instead of the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # Fast hashing for the whole session, module fixtures included (the demo county's sign-ins
    # are hashed when a module seeds it): security of test passwords does not matter, speed does.
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    # A request with the English cookie leaves English active in this thread (LocaleMiddleware
    # activates, nothing deactivates): every test starts in the site's language, Chinese.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
