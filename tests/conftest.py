"""Project-wide test fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.browser", "tests.ci_skips", "tests.scale_out"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests never run collectstatic; serve assets from the finders instead of the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # Fast hashing: security of test passwords does not matter, suite speed does.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    # A request with the English cookie leaves English active in this thread (LocaleMiddleware
    # activates, nothing deactivates): every test starts in the site's language, Chinese.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
