"""Django settings, built from sarnakh.config (environment variables and .env)."""

import os
from pathlib import Path

import dj_database_url
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
    "sarnakh.core",
    "sarnakh.contacts",
    "sarnakh.capture",
    "sarnakh.tracking",
    "sarnakh.scoring",
    "sarnakh.web",
]

MIDDLEWARE = [
    "sarnakh.core.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

if CONFIG.email.backend == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.email.host
    EMAIL_PORT = CONFIG.email.port
    EMAIL_HOST_USER = CONFIG.email.user
    EMAIL_HOST_PASSWORD = CONFIG.email.password
    EMAIL_USE_TLS = CONFIG.email.use_tls
    EMAIL_USE_SSL = CONFIG.email.use_ssl
    EMAIL_TIMEOUT = CONFIG.email.timeout
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(CONFIG.home / "outbox")
DEFAULT_FROM_EMAIL = CONFIG.email_from

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
