"""Django settings, built from sarnakh.config (environment variables and .env)."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from django.utils.translation import gettext_lazy as _

from sarnakh.config import load_config

CONFIG = load_config()
PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
SARNAKH_BASE_URL = CONFIG.base_url
SARNAKH_HOME = CONFIG.home
SARNAKH_DEFAULT_REGION = CONFIG.default_region
SARNAKH_EMBEDDED_WORKER = CONFIG.embedded_worker
SARNAKH_MAX_BODY_BYTES = CONFIG.max_body_bytes
SARNAKH_EVENT_LOG_DAYS = CONFIG.event_log_days
SARNAKH_PLUGINS = CONFIG.plugins
SARNAKH_BEHIND_PROXY = CONFIG.behind_proxy
# Webhooks may be sent to loopback, private and link-local addresses (off: SSRF guard).
SARNAKH_WEBHOOKS_ALLOW_PRIVATE = CONFIG.webhooks_allow_private
# Retargeting audiences also take contacts never asked for consent (legitimate interest); never the unsubscribed.
SARNAKH_AUDIENCE_LEGITIMATE_INTEREST = CONFIG.audience_legitimate_interest
# Marketing email (mail.subscriptions): contacts never asked may get marketing email under a
# legitimate-interest rule (off by default); the domain of mailto unsubscribe addresses
# (unsubscribe+<token>@domain; default: the host of SARNAKH_BASE_URL).
SARNAKH_EMAIL_LEGITIMATE_INTEREST = CONFIG.email_legitimate_interest
SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN = CONFIG.unsubscribe_mailto_domain
SARNAKH_BOUNCE_DOMAIN = CONFIG.bounce_domain  # VERP return paths (bounces+…@domain); default: the sender's domain
SARNAKH_SPF_INCLUDE = CONFIG.spf_include  # what the SPF record shown for a sender includes
CSRF_TRUSTED_ORIGINS = [CONFIG.base_url] if CONFIG.base_url.startswith("http") else []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its templates and static files: the API docs page works offline
    "csp",
    "axes",
    "anymail",  # ESP tracking webhooks (mail.bounces)
    "sarnakh.core",
    "sarnakh.contacts",
    "sarnakh.capture",
    "sarnakh.tracking",
    "sarnakh.scoring",
    "sarnakh.segments",
    "sarnakh.mail",
    "sarnakh.webhooks",
    "sarnakh.web",
]

MIDDLEWARE = [
    "sarnakh.core.proxy.ForwardedClientMiddleware",
    "sarnakh.core.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sarnakh.core.middleware.UnstorableInputMiddleware",
    "sarnakh.core.middleware.ApiErrorShapeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the lockout flag the login view's authenticate() left on the request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sarnakh.urls"
WSGI_APPLICATION = "sarnakh.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sarnakh.web.context.navigation",
            ],
        },
    }
]


def _database(url: str) -> dict:
    db = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["ENGINE"] = "sarnakh.core.sqlite_backend"
        db["OPTIONS"] = {
            # A server, not a desktop file: readers never block the writer, and a
            # busy writer makes others wait instead of failing at once.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        db["TEST"] = {"NAME": str(CONFIG.home / "test.sqlite3")}
    else:
        db["CONN_HEALTH_CHECKS"] = True
        # Parallel runs on one server (developers, CI) need their own test database.
        if os.environ.get("SARNAKH_TEST_DATABASE_NAME"):
            db["TEST"] = {"NAME": os.environ["SARNAKH_TEST_DATABASE_NAME"]}
    return db


DATABASES = {"default": _database(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}}

AUTHENTICATION_BACKENDS = [
    # First: refuses any attempt for a locked-out username or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = CONFIG.language
LANGUAGES = [("en", _("English")), ("fa", _("Persian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = CONFIG.time_zone
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.home / "static"
# Front-end packages come from the npm registry at install time (frontend/package.json).
_NODE_MODULES = Path(os.environ.get("SARNAKH_NODE_MODULES", REPO_DIR / "frontend" / "node_modules"))
STATICFILES_DIRS = [
    (prefix, _NODE_MODULES / sub)
    for prefix, sub in [("vendor/htmx", "htmx.org/dist"), ("vendor/vazirmatn", "vazirmatn")]
    if (_NODE_MODULES / sub).is_dir()
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.max_body_bytes
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# https follows SARNAKH_BASE_URL: an https address gets secure cookies, HSTS and a redirect
# from http; the plain-http default (`make run`, http://127.0.0.1:8000) gets none of them.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = CONFIG.https
# Load balancers probe over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds if CONFIG.https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# A TLS-terminating proxy in front: trust its X-Forwarded-Proto (and X-Forwarded-For, see
# sarnakh.core.proxy). Never on without such a proxy, since clients can send the header too.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.behind_proxy else None
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload asks browsers to build the domain into their lists, a decision for whoever
    # owns the registrable domain; a self-hosted install usually lives on one of its subdomains.
    "security.W021",
]

# Content-Security-Policy (django-csp). Scripts: our own files plus inline <script> tags that
# carry the per-request nonce (request.csp_nonce); no inline event handlers, no eval.
# Styles allow 'unsafe-inline': chart bars and meters are sized with style="" from data, and
# htmx adds its indicator styles. An injected style cannot run code, nor (img-src and
# connect-src being our own host) send anything elsewhere; user values stay escaped.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures within the cool-off,
# a username is locked whatever the address, and an address is locked whatever the username.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Attempts during a lockout are refused without being written: a burst costs no rows, and the
# lock ends on time instead of being stretched by the attacker.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Resetting on success would let anyone with one valid account wipe their address's failures.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "sarnakh.web.views.login_locked_out"
# REMOTE_ADDR after sarnakh.core.proxy, never a header a client could forge.
AXES_CLIENT_IP_CALLABLE = "sarnakh.core.proxy.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are already on the user (last_login)
AXES_VERBOSE = False

if CONFIG.email.backend == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.email.host
    EMAIL_PORT = CONFIG.email.port
    EMAIL_HOST_USER = CONFIG.email.user
    EMAIL_HOST_PASSWORD = CONFIG.email.password
    EMAIL_USE_TLS = CONFIG.email.use_tls
    EMAIL_USE_SSL = CONFIG.email.use_ssl
    EMAIL_TIMEOUT = CONFIG.email.timeout
elif CONFIG.email.backend == "anymail":
    EMAIL_BACKEND = f"anymail.backends.{CONFIG.esp.name}.EmailBackend"  # the ESP's API (mail.delivery.esp_transport)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(CONFIG.home / "outbox")
DEFAULT_FROM_EMAIL = CONFIG.email_from
SARNAKH_BOUNCE_MAILBOX = CONFIG.bounce_mailbox  # mail.bounces: maildir:///… or imaps://…
SARNAKH_ESP = CONFIG.esp.name  # mail.bounces: the ESP whose tracking webhook is mounted at mail/esp/<esp>/tracking/
ANYMAIL = dict(CONFIG.esp.anymail)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "sarnakh.core.log_filters.ClientErrorsOnOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_errors_on_one_line"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Also on the logger, so every handler (not only ours) gets the one-line record.
        "django.request": {"filters": ["client_errors_on_one_line"]},
        "sarnakh": {"level": "INFO"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
