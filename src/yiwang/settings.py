"""Django settings for Yiwang.

Every value an operator may need to change comes from an environment variable (documented in
docs/operations.md). Domain defaults that localities change (lockout, idle timeout, working-day
rule …) are settings too, never literals in code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"环境变量 {name} 必须是整数，当前为 {value!r}。") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in (env(name, default) or "").split(",") if part.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env("YIWANG_HOME", str(Path.cwd())) or ".").resolve()
DATA_DIR = Path(env("YIWANG_DATA_DIR", str(BASE_DIR / "var")) or "var").resolve()
# Private to the service user (database, uploads): 0700, and an existing one of ours tightened.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if DATA_DIR.stat().st_uid == os.getuid() and DATA_DIR.stat().st_mode & 0o077:
    DATA_DIR.chmod(0o700)

DEBUG = env_bool("YIWANG_DEBUG", False)
# The development key only works with DEBUG or in tests; production must set its own.
_DEV_SECRET = "yiwang-dev-only-not-secret-" + "x" * 40
SECRET_KEY = env("YIWANG_SECRET_KEY") or _DEV_SECRET
ALLOWED_HOSTS = env_list("YIWANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("YIWANG_CSRF_TRUSTED_ORIGINS", "")
# A refused form is a Chinese page in the site's shell (JSON under /api/), not Django's English one.
CSRF_FAILURE_VIEW = "yiwang.common.errors.csrf_failure"

# Behind an HTTPS reverse proxy (the documented production set-up) these harden cookies and
# transport; `yiwang check --deploy` passes with YIWANG_HTTPS=1.
HTTPS = env_bool("YIWANG_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("YIWANG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("YIWANG_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("YIWANG_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy of every HTML page (common.csp): only the application's own vendored
# scripts, styles, images and fonts; no inline script, no eval, no inline style. `data:` images
# for the icons the Swagger UI and admin stylesheets embed.
YIWANG_CONTENT_SECURITY_POLICY = env(
    "YIWANG_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
YIWANG_CSP_REPORT_ONLY = env_bool("YIWANG_CSP_REPORT_ONLY", False)

INSTALLED_APPS = [
    # First, so its `changepassword` (audited, through org.services) wins the command name
    # over django.contrib.auth's, as whitenoise.runserver_nostatic does for runserver.
    "yiwang.common",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "yiwang.audit",
    "yiwang.org",
    "yiwang.workdays",
    "yiwang.catalog",
    "yiwang.notifications",
    "yiwang.cases",
    "yiwang.windows",
    "yiwang.hall",
    "yiwang.appeals",
    "yiwang.evaluations",
    "yiwang.open311",
    "yiwang.licenses",
    "yiwang.insight",
    "yiwang.workbench",
    "yiwang.portal",
    "yiwang.demo",
]

MIDDLEWARE = [
    "yiwang.common.middleware.StripNullCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yiwang.common.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yiwang.common.middleware.ChineseByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # 413 for an oversized body before anything reads it (CSRF's process_view reads POST later).
    "yiwang.common.uploads.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yiwang.audit.middleware.AuditContextMiddleware",
    "yiwang.org.middleware.ForcePasswordChangeMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in var/ (WAL, immediate transactions so concurrent writers queue instead of failing)
# unless DATABASE_URL names another database.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "yiwang.sqlite3"),
            # Kept open between requests, as for PostgreSQL: opening the file and running the
            # pragmas below on every request cost more than most public reads themselves.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "yiwang.org.auth.StaffPasswordBackend",
    "yiwang.org.auth.CitizenMobileBackend",
]
LOGIN_URL = "org:sign-in"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "org:sign-in"

# Staff passwords: at least N characters from at least K of the four classes.
YIWANG_PASSWORD_MIN_LENGTH = env_int("YIWANG_PASSWORD_MIN_LENGTH", 8)
YIWANG_PASSWORD_MIN_CLASSES = env_int("YIWANG_PASSWORD_MIN_CLASSES", 3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "yiwang.org.passwords.CharacterClassValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Account lockout after repeated failures.
YIWANG_LOCKOUT_ATTEMPTS = env_int("YIWANG_LOCKOUT_ATTEMPTS", 5)
YIWANG_LOCKOUT_MINUTES = env_int("YIWANG_LOCKOUT_MINUTES", 30)
# Idle sessions end: the cookie is renewed on every request and expires after this many minutes.
YIWANG_SESSION_IDLE_MINUTES = env_int("YIWANG_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = YIWANG_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# API tokens expire this many hours after they are issued.
YIWANG_API_TOKEN_HOURS = env_int("YIWANG_API_TOKEN_HOURS", 24)
# An API key's last_used_at is written at most once per this many seconds (org.ApiKey).
YIWANG_API_KEY_TOUCH_SECONDS = env_int("YIWANG_API_KEY_TOUCH_SECONDS", 60)
# Rate limits (429 beyond them): attempts per client address and per account name within one
# window of YIWANG_RATE_LIMIT_WINDOW_SECONDS; 0 switches a limit off. Sign-in covers the staff
# and citizen sign-in pages and the token endpoint. A hall's staff may share one address.
YIWANG_RATE_LIMIT_WINDOW_SECONDS = env_int("YIWANG_RATE_LIMIT_WINDOW_SECONDS", 600)
YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS = env_int("YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS", 100)
YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT = env_int("YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT", 20)
YIWANG_RATE_LIMIT_REGISTER_PER_ADDRESS = env_int("YIWANG_RATE_LIMIT_REGISTER_PER_ADDRESS", 20)
YIWANG_RATE_LIMIT_REGISTER_PER_ACCOUNT = env_int("YIWANG_RATE_LIMIT_REGISTER_PER_ACCOUNT", 5)
YIWANG_RATE_LIMIT_PASSWORD_CHANGE_PER_ADDRESS = env_int(
    "YIWANG_RATE_LIMIT_PASSWORD_CHANGE_PER_ADDRESS", 50
)
YIWANG_RATE_LIMIT_PASSWORD_CHANGE_PER_ACCOUNT = env_int(
    "YIWANG_RATE_LIMIT_PASSWORD_CHANGE_PER_ACCOUNT", 10
)
# Ratings sent from the public rating pages (QR / SMS links) per client address.
YIWANG_RATE_LIMIT_RATING_PER_ADDRESS = env_int("YIWANG_RATE_LIMIT_RATING_PER_ADDRESS", 60)
# Public licence verifications (page and API, no sign-in) per client address and window.
YIWANG_RATE_LIMIT_LICENSE_VERIFY_PER_ADDRESS = env_int(
    "YIWANG_RATE_LIMIT_LICENSE_VERIFY_PER_ADDRESS", 120
)

# Working days: does a limit start counting on the day of the event ("same") or the next
# working day ("next")?
YIWANG_WORKDAY_START_RULE = env("YIWANG_WORKDAY_START_RULE", "next")

# Personal data: SM4 keys by id ("id:64 hex chars", comma-separated), the id used to encrypt
# new values, and the key of the keyed SM3 hash used for exact lookup. See docs/operations.md.
_DEV_PII_KEY = "dev:" + "00112233445566778899aabbccddeeff"
YIWANG_PII_KEYS = env("YIWANG_PII_KEYS") or _DEV_PII_KEY
YIWANG_PII_KEY_ID = env("YIWANG_PII_KEY_ID") or YIWANG_PII_KEYS.split(",")[0].split(":")[0]
YIWANG_PII_HASH_KEY = env("YIWANG_PII_HASH_KEY") or "dev-hash-key-0123456789abcdef0123456789abcdef"

# The county this installation serves (portal header, documents) and its public address
# (QR codes on printed guides point there).
YIWANG_COUNTY_NAME = env("YIWANG_COUNTY_NAME", "示范县")
YIWANG_PUBLIC_BASE_URL = env("YIWANG_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Catalogue: implementation-code template, upload limits, guided-search result count; the
# guide-quality rules can be narrowed with comma-separated lists (empty = built-in defaults).
YIWANG_ITEM_CODE_TEMPLATE = env(
    "YIWANG_ITEM_CODE_TEMPLATE", "{base_code}{region_code}000{uscc}{sequence:02d}"
)
YIWANG_IMPORT_MAX_BYTES = env_int("YIWANG_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
YIWANG_IMPORT_MAX_ROWS = env_int("YIWANG_IMPORT_MAX_ROWS", 20_000)
YIWANG_CATALOG_FILE_MAX_BYTES = env_int("YIWANG_CATALOG_FILE_MAX_BYTES", 10 * 1024 * 1024)
YIWANG_SEARCH_RESULTS = env_int("YIWANG_SEARCH_RESULTS", 10)
# Per-process caches of the public reads (item JSON, guide pages, search answers), valid for one
# catalogue generation: entries per cache, 0 = off (docs/performance.md).
YIWANG_PUBLIC_CACHE_ENTRIES = env_int("YIWANG_PUBLIC_CACHE_ENTRIES", 1000)
if env_list("YIWANG_CATALOG_REQUIRED_ELEMENTS"):
    YIWANG_CATALOG_REQUIRED_ELEMENTS = env_list("YIWANG_CATALOG_REQUIRED_ELEMENTS")
if env_list("YIWANG_CATALOG_VAGUE_MATERIAL_PATTERNS"):
    YIWANG_CATALOG_VAGUE_MATERIAL_PATTERNS = env_list("YIWANG_CATALOG_VAGUE_MATERIAL_PATTERNS")
if env_list("YIWANG_CATALOG_PLACEHOLDER_BASIS_PATTERNS"):
    YIWANG_CATALOG_PLACEHOLDER_BASIS_PATTERNS = env_list(
        "YIWANG_CATALOG_PLACEHOLDER_BASIS_PATTERNS"
    )
if env("YIWANG_CATALOG_TEMPLATE_CONDITIONS_MIN_ITEMS"):
    YIWANG_CATALOG_TEMPLATE_CONDITIONS_MIN_ITEMS = env_int(
        "YIWANG_CATALOG_TEMPLATE_CONDITIONS_MIN_ITEMS", 3
    )
YIWANG_TRUST_X_FORWARDED_FOR = env_bool("YIWANG_TRUST_X_FORWARDED_FOR", HTTPS)

# Cases (办件): the licensing law's numbers (《行政许可法》 第三十二、四十二、四十四条) as defaults,
# the warning threshold, deferral and verification periods, the material upload limit, the
# payment channel (non-tax payment platform in production; the demo confirms at once).
YIWANG_PRE_REVIEW_DAYS = env_int("YIWANG_PRE_REVIEW_DAYS", 5)
YIWANG_EXTENSION_DAYS = env_int("YIWANG_EXTENSION_DAYS", 10)
YIWANG_DELIVERY_DAYS = env_int("YIWANG_DELIVERY_DAYS", 10)
YIWANG_CASE_WARNING_SHARE = float(env("YIWANG_CASE_WARNING_SHARE", "0.8") or "0.8")
YIWANG_DEFERRED_SUPPLY_DAYS = env_int("YIWANG_DEFERRED_SUPPLY_DAYS", 5)
YIWANG_COMMITMENT_VERIFICATION_DAYS = env_int("YIWANG_COMMITMENT_VERIFICATION_DAYS", 20)
YIWANG_CASE_UPLOAD_MAX_BYTES = env_int("YIWANG_CASE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
YIWANG_PAYMENT_CHANNEL = env("YIWANG_PAYMENT_CHANNEL", "yiwang.cases.payments.DemoChannel")
# 综合窗口出件: results are handed out only at the front desk (综合窗口) of the case's hall, the
# collector's ID checked and recorded; off, a department's own desk may hand out too.
YIWANG_COMPREHENSIVE_HAND_OUT = env_bool("YIWANG_COMPREHENSIVE_HAND_OUT", False)
# 一件事 (bundle cases): joint handling by several departments, 45 working days extendable by 15
# (《行政许可法》 第四十二条).
YIWANG_BUNDLE_JOINT_DAYS = env_int("YIWANG_BUNDLE_JOINT_DAYS", 45)
YIWANG_BUNDLE_EXTENSION_DAYS = env_int("YIWANG_BUNDLE_EXTENSION_DAYS", 15)
# Licences issued on a case's approval (licenses.issuing): the cases sweep retries one that
# failed (no seal key yet, a required licence field missing) for cases concluded this many
# days back at most.
YIWANG_LICENSE_ISSUE_RETRY_DAYS = env_int("YIWANG_LICENSE_ISSUE_RETRY_DAYS", 30)
# 证照归集 (licenses.gathering): the largest file and the most licences in one batch (file or
# API call).
YIWANG_LICENSE_GATHER_MAX_BYTES = env_int("YIWANG_LICENSE_GATHER_MAX_BYTES", 5 * 1024 * 1024)
YIWANG_LICENSE_GATHER_MAX_ROWS = env_int("YIWANG_LICENSE_GATHER_MAX_ROWS", 5000)
# A workbench file of more rows than this is gathered in the task worker (a GatherJob).
YIWANG_LICENSE_GATHER_INLINE_ROWS = env_int("YIWANG_LICENSE_GATHER_INLINE_ROWS", 200)
# Messages (outbox): the SMS sender (the demo one writes to the log), tries before giving up.
YIWANG_SMS_SENDER = env("YIWANG_SMS_SENDER", "yiwang.notifications.services.LogSender")
YIWANG_MESSAGE_MAX_ATTEMPTS = env_int("YIWANG_MESSAGE_MAX_ATTEMPTS", 6)
# Periodic jobs of the worker (common.periodic): minutes between case sweeps and outbox runs.
YIWANG_CASE_SWEEP_MINUTES = env_int("YIWANG_CASE_SWEEP_MINUTES", 15)
YIWANG_MESSAGE_SEND_MINUTES = env_int("YIWANG_MESSAGE_SEND_MINUTES", 1)
# Minutes between runs of the figure snapshots (insight: the previous and the current month).
YIWANG_FIGURE_SNAPSHOT_MINUTES = env_int("YIWANG_FIGURE_SNAPSHOT_MINUTES", 360)
# The county dashboard (一屏观, insight.dashboard): seconds between the page's refreshes, and the
# most seconds its figures may be old when served (stored per scope and period, never served older).
YIWANG_DASHBOARD_REFRESH_SECONDS = env_int("YIWANG_DASHBOARD_REFRESH_SECONDS", 60)
YIWANG_DASHBOARD_MAX_AGE_SECONDS = env_int("YIWANG_DASHBOARD_MAX_AGE_SECONDS", 180)
# The worker recomputes the dashboard's figures this often: shorter than the max age (with a
# pass's duration and a tick of slack) so requests only read stored figures.
YIWANG_DASHBOARD_REFRESH_JOB_SECONDS = env_int("YIWANG_DASHBOARD_REFRESH_JOB_SECONDS", 60)
# The half-year work report (insight.report): how many departments/towns/items each 存在问题
# line names, and the CJK font its charts are drawn with (fonts-noto-cjk).
YIWANG_REPORT_PROBLEM_ROWS = env_int("YIWANG_REPORT_PROBLEM_ROWS", 3)
YIWANG_REPORT_CHART_FONT = env(
    "YIWANG_REPORT_CHART_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
)
# Appointments and queue (预约与排队, yiwang.hall): days ahead a slot may be booked, minutes before
# his slot a citizen may check in, ticket letters per window kind ("kind=letter,…") and the
# appointment prefix, the hall screen's refresh seconds and rows.
YIWANG_HALL_BOOKING_DAYS_AHEAD = env_int("YIWANG_HALL_BOOKING_DAYS_AHEAD", 14)
YIWANG_HALL_CHECK_IN_EARLY_MINUTES = env_int("YIWANG_HALL_CHECK_IN_EARLY_MINUTES", 60)
YIWANG_HALL_TICKET_PREFIXES = env_list(
    "YIWANG_HALL_TICKET_PREFIXES", "comprehensive=A,dedicated=B,enterprise=C,cant_get_done=D"
)
YIWANG_HALL_APPOINTMENT_PREFIX = env("YIWANG_HALL_APPOINTMENT_PREFIX", "Y") or "Y"
YIWANG_HALL_SCREEN_REFRESH_SECONDS = env_int("YIWANG_HALL_SCREEN_REFRESH_SECONDS", 5)
YIWANG_HALL_SCREEN_ROWS = env_int("YIWANG_HALL_SCREEN_ROWS", 8)
YIWANG_HALL_NO_SHOW_SWEEP_MINUTES = env_int("YIWANG_HALL_NO_SHOW_SWEEP_MINUTES", 10)
# Tickets (诉求工单, yiwang.appeals): default limits in working days (DOMAIN.md; the bureau edits
# them per kind and source in appeals.SlaLimit): sign-for, emergency (0 = same day),
# consultation/help, complaint/report/suggestion/praise, enterprise appeals (first feedback and
# resolution); the reminder after a missed deadline and supervision after further days; minutes
# between sweeps; rows of an uploaded hotline file imported at once (larger: the worker).
YIWANG_APPEAL_SIGN_FOR_DAYS = env_int("YIWANG_APPEAL_SIGN_FOR_DAYS", 1)
YIWANG_APPEAL_URGENT_DAYS = env_int("YIWANG_APPEAL_URGENT_DAYS", 0)
YIWANG_APPEAL_CONSULT_DAYS = env_int("YIWANG_APPEAL_CONSULT_DAYS", 3)
YIWANG_APPEAL_COMPLAINT_DAYS = env_int("YIWANG_APPEAL_COMPLAINT_DAYS", 13)
YIWANG_APPEAL_ENTERPRISE_FEEDBACK_DAYS = env_int("YIWANG_APPEAL_ENTERPRISE_FEEDBACK_DAYS", 3)
YIWANG_APPEAL_ENTERPRISE_DAYS = env_int("YIWANG_APPEAL_ENTERPRISE_DAYS", 15)
YIWANG_APPEAL_REMIND_AFTER_DAYS = env_int("YIWANG_APPEAL_REMIND_AFTER_DAYS", 1)
YIWANG_APPEAL_SUPERVISE_AFTER_DAYS = env_int("YIWANG_APPEAL_SUPERVISE_AFTER_DAYS", 5)
YIWANG_APPEAL_SWEEP_MINUTES = env_int("YIWANG_APPEAL_SWEEP_MINUTES", 60)
YIWANG_APPEAL_IMPORT_INLINE_ROWS = env_int("YIWANG_APPEAL_IMPORT_INLINE_ROWS", 500)
# Dispatch help (appeals.dispatch): suggestions shown, past tickets (closed, and sent back) the
# router learns from, and likely duplicates — registered within so many days of each other and
# text at least this similar (percent, bigram cosine), or from the same caller.
YIWANG_APPEAL_ROUTE_LIMIT = env_int("YIWANG_APPEAL_ROUTE_LIMIT", 5)
YIWANG_APPEAL_ROUTE_HISTORY = env_int("YIWANG_APPEAL_ROUTE_HISTORY", 5000)
YIWANG_APPEAL_DUPLICATE_DAYS = env_int("YIWANG_APPEAL_DUPLICATE_DAYS", 30)
YIWANG_APPEAL_DUPLICATE_SIMILARITY = env_int("YIWANG_APPEAL_DUPLICATE_SIMILARITY", 60)
# Ratings (好差评, yiwang.evaluations): days a case's QR / SMS rating link and a window's QR stay
# valid, the level at or below which the low-rating hooks (dotted paths, called with the rating)
# run, and whether concluding a case sends the applicant an SMS rating invitation.
YIWANG_RATING_TOKEN_DAYS = env_int("YIWANG_RATING_TOKEN_DAYS", 30)
YIWANG_RATING_WINDOW_TOKEN_DAYS = env_int("YIWANG_RATING_WINDOW_TOKEN_DAYS", 365)
YIWANG_LOW_RATING_MAX = env_int("YIWANG_LOW_RATING_MAX", 2)
YIWANG_LOW_RATING_HOOKS = env_list("YIWANG_LOW_RATING_HOOKS", "")
YIWANG_RATING_SMS_INVITATION = env_bool("YIWANG_RATING_SMS_INVITATION", True)
# Bad-rating rectification (差评整改, evaluations.rectification): working days to rectify, working
# days past that deadline before the bureau is told (the department admins are told at once),
# days the citizen's follow-up link stays valid, minutes between escalation sweeps.
YIWANG_RECTIFICATION_DAYS = env_int("YIWANG_RECTIFICATION_DAYS", 5)
YIWANG_RECTIFICATION_BUREAU_DAYS = env_int("YIWANG_RECTIFICATION_BUREAU_DAYS", 2)
YIWANG_RECTIFICATION_FOLLOW_UP_DAYS = env_int("YIWANG_RECTIFICATION_FOLLOW_UP_DAYS", 15)
YIWANG_RECTIFICATION_SWEEP_MINUTES = env_int("YIWANG_RECTIFICATION_SWEEP_MINUTES", 30)


LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("YIWANG_TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `yiwang` itself is not an app, so its shared assets (CSS, vendored htmx/ECharts) are listed.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded files (materials' blank forms and samples, import files waiting for the worker):
# MEDIA_ROOT on this machine, or an S3-compatible object store (django-storages) that every web
# node and worker shares. Files are only ever served through the application's views, never
# from the store's own URLs.
YIWANG_STORAGE = env("YIWANG_STORAGE", "filesystem") or "filesystem"
if YIWANG_STORAGE == "filesystem":
    _DEFAULT_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif YIWANG_STORAGE == "s3":
    if not env("YIWANG_S3_BUCKET"):
        raise ImproperlyConfigured("YIWANG_STORAGE=s3 时必须设置 YIWANG_S3_BUCKET。")
    _S3_ADDRESSING = env("YIWANG_S3_ADDRESSING_STYLE", "") or None
    if _S3_ADDRESSING not in {None, "auto", "path", "virtual"}:
        raise ImproperlyConfigured(
            f"环境变量 YIWANG_S3_ADDRESSING_STYLE 必须是 path、virtual 或 auto，当前为 "
            f"{_S3_ADDRESSING!r}。"
        )
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("YIWANG_S3_BUCKET"),
            "endpoint_url": env("YIWANG_S3_ENDPOINT_URL") or None,
            "region_name": env("YIWANG_S3_REGION") or None,
            # Unset: boto3's own chain (AWS_* variables, instance role).
            "access_key": env("YIWANG_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("YIWANG_S3_SECRET_ACCESS_KEY") or None,
            "addressing_style": _S3_ADDRESSING,
            "location": (env("YIWANG_S3_PREFIX", "") or "").strip("/"),
            # Same-named uploads get distinct keys as on disk: a draft's new 申请书.pdf must not
            # replace the file the published version serves.
            "file_overwrite": False,
            "default_acl": None,
        },
    }
else:
    raise ImproperlyConfigured(
        f"环境变量 YIWANG_STORAGE 必须是 filesystem 或 s3，当前为 {YIWANG_STORAGE!r}。"
    )
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Largest request body, files included: refused with 413 before it is read (common.uploads).
YIWANG_UPLOAD_MAX_BYTES = env_int("YIWANG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = YIWANG_UPLOAD_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so that a missing or bad token answers 401 with a WWW-Authenticate header.
        "yiwang.org.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Query parameters and bodies held to the schema, with Chinese messages (common.filters,
    # common.parsers).
    "DEFAULT_FILTER_BACKENDS": ["yiwang.common.filters.FilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "yiwang.common.parsers.JSONParser",
        "yiwang.common.parsers.FormParser",
        "yiwang.common.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "yiwang.common.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "yiwang.common.api.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "yiwang.common.negotiation.QuickNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yiwang API",
    "DESCRIPTION": (
        "一网通办 / 一网统管 platform API. Session auth for pages, token auth for systems."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validity badge from validator.swagger.io: nothing is fetched from the internet (and
    # the Content-Security-Policy would refuse it).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "yiwang.common.api.declare_no_nul_strings",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MaterialSourceEnum": "yiwang.catalog.models.MaterialSource",
        "CalendarSourceEnum": "yiwang.workdays.models.CalendarSource",
        "CaseStatusEnum": "yiwang.cases.fields.CaseStatus",
        "CasePaymentStatusEnum": "yiwang.cases.fields.PaymentStatus",
        "SpecialProcedureKindEnum": "yiwang.cases.fields.SpecialProcedureKind",
        "NoticeKindEnum": "yiwang.cases.fields.NoticeKind",
        "WindowKindEnum": "yiwang.org.models.WindowKind",
        "TicketKindEnum": "yiwang.hall.fields.TicketKind",
        "BookingStatusEnum": "yiwang.hall.fields.BookingStatus",
        "TicketStatusEnum": "yiwang.hall.fields.TicketStatus",
        # Two choice sets of fields named "channel": a case's (申请渠道) and a rating's (评价渠道).
        "CaseChannelEnum": "yiwang.cases.fields.Channel",
        "RatingChannelEnum": "yiwang.evaluations.fields.Channel",
    },
}

# Background tasks (`yiwang worker`): a queue in the database (django-tasks-db), or in Redis
# (django-tasks-rq, RQ workers on any machine that reaches it).
YIWANG_TASKS = env("YIWANG_TASKS", "database") or "database"
# RQ only: seconds one task may run before its worker ends it; the worker class (rq's default
# forks a process per task; rq.worker.SimpleWorker runs it in the worker, as the database
# worker does).
YIWANG_RQ_JOB_TIMEOUT = env_int("YIWANG_RQ_JOB_TIMEOUT", 3600)
YIWANG_RQ_WORKER_CLASS = env("YIWANG_RQ_WORKER_CLASS", "rq.worker.Worker") or "rq.worker.Worker"
TASKS: dict[str, dict[str, Any]]
if YIWANG_TASKS == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif YIWANG_TASKS == "redis":
    if not env("YIWANG_REDIS_URL"):
        raise ImproperlyConfigured("YIWANG_TASKS=redis 时必须设置 YIWANG_REDIS_URL。")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {"URL": env("YIWANG_REDIS_URL"), "DEFAULT_TIMEOUT": YIWANG_RQ_JOB_TIMEOUT}
    }
else:
    raise ImproperlyConfigured(
        f"环境变量 YIWANG_TASKS 必须是 database 或 redis，当前为 {YIWANG_TASKS!r}。"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "yiwang.common.logging.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env("YIWANG_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (its DEBUG console, runserver's request lines) do not mask:
        # drop them so every Django record reaches the masking console handler above.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools log every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if not DEBUG and SECRET_KEY == _DEV_SECRET and env_bool("YIWANG_REQUIRE_SECRETS", False):
    raise ImproperlyConfigured("生产环境必须设置 YIWANG_SECRET_KEY。")
