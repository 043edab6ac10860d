"""Settings, read from the environment.

Without any environment the app runs on an embedded SQLite database (``make run``);
production sets DATABASE_URL (PostgreSQL), SECRET_KEY, DEBUG=0 and ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent
# python-docx (exchange/) installs lxml, and openpyxl parses with lxml instead of defusedxml when both are
# there: keep uploaded workbooks parsed by defusedxml (entities refused). Read when openpyxl is first imported.
os.environ.setdefault("OPENPYXL_LXML", "False")


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The demo (`make run` serves it with DEMO=1 DEBUG=0): production's error handling, so that a
# missing page or a failure shows the project's own 404/500 pages, never Django's debug page; but
# plain http on this machine, the development key, and static files served from their folders.
DEMO = env_bool("DEMO")
PRODUCTION = not DEBUG and not DEMO
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "plans",
    "indicators",
    "review",
    "households",
    "accounts",
    "exchange",
    "quality",
    "dashboards",
    "jobs",
    "reporting",
    "notifications",
    "reports",
    # After our apps, so that `manage.py export` is ours (scoped lists), not django-import-export's,
    # and `manage.py db_worker` is jobs' (it holds the worker's liveness lock), not django-tasks-db's.
    "import_export",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files need no policy), before anything that renders a page.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "plans.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.security_headers.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware: who owes a second factor reaches only its pages.
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view that meets a locked SQLite database runs again, then gets a 503 page, never a 500.
    "plans.database_busy.RetryWhenDatabaseLocked",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "povertyplan.urls"
WSGI_APPLICATION = "povertyplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "plans.context_processors.menu",
                "notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is checked before reuse, so a restarted database costs one failed
        # request per worker at most, not a minute of them.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: another waits for it (5 s, so that plans.database_busy's three tries
    # stay inside a worker's timeout) instead of failing at once, and takes the write lock when its
    # transaction begins, so that the wait applies (a read lock upgraded later fails at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=int(os.environ.get("SQLITE_TIMEOUT", "5")), transaction_mode="IMMEDIATE"
    )
if os.environ.get("REPLICA_DATABASE_URL"):
    # A read-only streaming replica of the primary: the dashboards read from it
    # (common/replica.py). Under the test runner it mirrors "default" (a replica
    # cannot hold a test database of its own), and the router reads "default"
    # when both aliases name the same database.
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["REPLICA_DATABASE_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        test_options={"MIRROR": "default"},
    )
DATABASE_ROUTERS = ["common.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a try that must wait (accounts.lockout) before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js is served from our own static files (static/vendor/plotly-basic, no CDN here).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION  # the demo needs no collectstatic
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Upload limits (bytes) checked by common.uploads, and the largest .xlsx a page builds (larger lists
# go out as a streamed CSV).
WORKBOOK_MAX_UPLOAD_BYTES = int(os.environ.get("WORKBOOK_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
REVIEW_LIST_MAX_UPLOAD_BYTES = int(os.environ.get("REVIEW_LIST_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
EXPORT_XLSX_MAX_ROWS = int(os.environ.get("EXPORT_XLSX_MAX_ROWS", "100000"))

# Security: strict defaults when DEBUG is off; `manage.py check --deploy` stays clean.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A session unused this long (seconds) is logged out (accounts.middleware); SESSION_COOKIE_AGE stays
# the absolute limit.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
# Password reset and invitation links stop working after this long (seconds), or once used.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Login guessing (django-axes 8 records the tries; accounts.lockout decides): per username, from any
# address, a wait that doubles after LOGIN_DELAY_AFTER failures (1 s, 2 s, 4 s … at most
# LOGIN_MAX_DELAY_MINUTES); per client address, LOGIN_ADDRESS_LIMIT failures over any usernames in
# LOGIN_ADDRESS_WINDOW_MINUTES refuse that address until the window moves on. No hard lock.
LOGIN_DELAY_AFTER = int(os.environ.get("LOGIN_DELAY_AFTER", "3"))
LOGIN_MAX_DELAY = timedelta(minutes=int(os.environ.get("LOGIN_MAX_DELAY_MINUTES", "15")))
LOGIN_FAILURE_MEMORY = timedelta(hours=24)  # failures older than this (or than a success) are forgotten
LOGIN_KNOWN_ADDRESS_DAYS = 30  # an address with a success this recent counts only its own failures
LOGIN_ADDRESS_LIMIT = int(os.environ.get("LOGIN_ADDRESS_LIMIT", "30"))
LOGIN_ADDRESS_WINDOW = timedelta(minutes=int(os.environ.get("LOGIN_ADDRESS_WINDOW_MINUTES", "15")))
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For (nginx:
# proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for). 0: the header is ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_HANDLER = "accounts.lockout.ThrottlingHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per counted failure: what accounts.lockout counts
AXES_LOCK_OUT_AT_FAILURE = False  # axes's own count-and-lock is replaced by accounts.lockout
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused try is not counted, extends nothing
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # the keys of axes's attempt records (admin)
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_TIME = LOGIN_FAILURE_MEMORY  # how long axes keeps those records

# Content-Security-Policy (django-csp 4): scripts only from our own static files or inline with
# the request's nonce ({{ request.csp_nonce }}); no 'unsafe-inline' and no 'unsafe-eval' for scripts.
# plotly.js 4 (its basic bundle, static/vendor/plotly-basic) draws bar and scatter charts without evaluating strings.
# Styles keep 'unsafe-inline': plotly.js and htmx insert <style> rules and style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],  # data: the icon; blob: plotly's "download as PNG"
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# The job queue (django-tasks, the API of Django 6's django.tasks): tasks are rows of the database,
# run by `manage.py db_worker` processes (jobs/, README: production). No broker; tests use it too.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Second factor (django-otp): authenticator apps (TOTP) and single-use recovery codes. Who must
# have one: accounts.selectors.SECOND_FACTOR_ROLES. Wrong codes slow further tries down (1 s, 2 s, 4 s…).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "povertyplan")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# E-mail (password reset, invitations, notices): SMTP when EMAIL_HOST is set or in production;
# otherwise (development, the demo) messages are printed on the console. Tests keep them in memory.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "povertyplan <no-reply@localhost>")
# The site's address as users reach it: the links in notification emails (sent by workers, with no request).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
# The monitoring report's .docx template (docxtpl tags, data/reports/README.md); unset: an admin's upload in
# MEDIA_ROOT/report_templates/mau-01.docx, else the shipped data/reports/mau-01-bao-cao-giam-sat.docx.
REPORT_TEMPLATE_PATH = os.environ.get("REPORT_TEMPLATE_PATH") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
