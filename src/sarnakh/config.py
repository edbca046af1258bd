"""Reads Sarnakh's configuration from SARNAKH_* environment variables and an optional .env.

Kept free of Django imports so the CLI can read it before Django is set up.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from dotenv import load_dotenv

TRUE_WORDS = {"1", "true", "yes", "on"}
ONE_YEAR_SECONDS = 365 * 24 * 3600


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


@dataclass(frozen=True)
class EmailConfig:
    backend: str  # "smtp" or "outbox"
    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int = 10


def parse_email_url(url: str) -> EmailConfig:
    """`smtp://user:pass@host:port?tls=1`, `smtps://…` (implicit TLS), `anymail://` (the
    API of SARNAKH_ESP) or empty for the outbox."""
    if not url:
        return EmailConfig(backend="outbox")
    parts = urlparse(url)
    if parts.scheme == "anymail":
        return EmailConfig(backend="anymail")  # the API of SARNAKH_ESP (django-anymail)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme not in {"smtp", "smtps", "submission"}:
        raise ValueError(f"SARNAKH_EMAIL_URL: unsupported scheme {parts.scheme!r} (use smtp://, smtps:// or anymail://)")
    use_ssl = parts.scheme == "smtps" or query.get("ssl", "").lower() in TRUE_WORDS
    use_tls = parts.scheme == "submission" or query.get("tls", "").lower() in TRUE_WORDS
    default_port = 465 if use_ssl else (587 if use_tls else 25)
    return EmailConfig(
        backend="smtp",
        host=parts.hostname or "localhost",
        port=parts.port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
        timeout=int(query.get("timeout", "10")),
    )


# The ESPs whose tracking webhooks Sarnakh mounts (django-anymail), and the anymail
# settings SARNAKH_ESP_API_KEY, SARNAKH_ESP_SECRET_KEY and SARNAKH_ESP_SIGNING_KEY become.
ESPS: dict[str, dict[str, str]] = {
    "postmark": {"api_key": "POSTMARK_SERVER_TOKEN"},
    "mailgun": {"api_key": "MAILGUN_API_KEY", "signing_key": "MAILGUN_WEBHOOK_SIGNING_KEY"},
    "sendgrid": {"api_key": "SENDGRID_API_KEY"},
    "brevo": {"api_key": "BREVO_API_KEY"},
    "mailjet": {"api_key": "MAILJET_API_KEY", "secret_key": "MAILJET_SECRET_KEY"},
    "sparkpost": {"api_key": "SPARKPOST_API_KEY"},
    "resend": {"api_key": "RESEND_API_KEY", "signing_key": "RESEND_SIGNING_SECRET"},
    "mailersend": {"api_key": "MAILERSEND_API_TOKEN", "signing_key": "MAILERSEND_SIGNING_SECRET"},
}


@dataclass(frozen=True)
class EspConfig:
    name: str = ""  # one of ESPS, or "" (no ESP: no webhook is mounted)
    webhook_secret: str = ""  # user:password the ESP sends as HTTP basic auth
    anymail: tuple[tuple[str, str], ...] = ()  # the ANYMAIL settings (name, value)


def parse_esp() -> EspConfig:
    """SARNAKH_ESP and its keys. A webhook is only mounted with a basic-auth secret: the
    ESP's events suppress addresses, so anyone could otherwise suppress anyone."""
    name = os.environ.get("SARNAKH_ESP", "").strip().lower()
    if not name:
        return EspConfig()
    if name not in ESPS:
        raise ValueError(f"SARNAKH_ESP must be one of {', '.join(sorted(ESPS))}, not {name!r}")
    secret = os.environ.get("SARNAKH_ESP_WEBHOOK_SECRET", "").strip()
    if ":" not in secret or len(secret) < 17:
        raise ValueError("SARNAKH_ESP_WEBHOOK_SECRET must be user:password, at least 16 characters in all")
    anymail = [("WEBHOOK_SECRET", secret)]
    for key, setting in ESPS[name].items():
        value = os.environ.get(f"SARNAKH_ESP_{key.upper()}", "").strip()
        if value:
            anymail.append((setting, value))
    return EspConfig(name=name, webhook_secret=secret, anymail=tuple(anymail))


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    base_url: str
    time_zone: str
    default_region: str
    language: str
    email: EmailConfig
    email_from: str
    embedded_worker: bool
    max_body_bytes: int
    behind_proxy: bool = False
    hsts_seconds: int = 0
    event_log_days: int = 365
    plugins: tuple[str, ...] = ()
    webhooks_allow_private: bool = False
    bounce_mailbox: str = ""
    esp: EspConfig = EspConfig()
    # Mail (issue 14): the lawful-basis rules, where bounces and mailto unsubscribes go, SPF.
    email_legitimate_interest: bool = False
    audience_legitimate_interest: bool = False
    unsubscribe_mailto_domain: str = ""
    bounce_domain: str = ""
    spf_include: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        """Served over https (SARNAKH_BASE_URL says so): secure cookies, HSTS, redirects."""
        return self.base_url.lower().startswith("https://")


def _secret_key(home: Path) -> str:
    explicit = os.environ.get("SARNAKH_SECRET_KEY", "").strip()
    if explicit:
        return explicit
    key_file = home / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _private_sqlite_file(database_url: str) -> None:
    """The SQLite file holds every lead: readable by its owner only (0600), like the secret
    key. SQLite gives its -wal and -shm files the database file's mode, so creating the
    file here, before the first connection, covers them too; older installs are tightened."""
    if not database_url.startswith("sqlite:///"):
        return
    path = Path(unquote(database_url.removeprefix("sqlite:///")))
    if not path.is_absolute():
        path = Path("/") / path
    if path.name in ("", ":memory:"):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Addresses that mean "every interface": a browser cannot open them, so links use loopback.
WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]", ""}


def load_env_file() -> None:
    """The optional .env: read before the CLI's defaults and before the settings, so both see
    it; variables already in the environment win."""
    load_dotenv(os.environ.get("SARNAKH_ENV_FILE", ".env"), override=False)


def served_port() -> int:
    """SARNAKH_PORT, the port `sarnakh serve` listens on (its --port exports it)."""
    value = os.environ.get("SARNAKH_PORT", "").strip()
    if not value:
        return DEFAULT_PORT
    try:
        port = int(value)
    except ValueError:
        raise ValueError(f"SARNAKH_PORT must be a port number, not {value!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"SARNAKH_PORT must be between 1 and 65535, not {port}")
    return port


def served_host() -> str:
    """SARNAKH_HOST, the address `sarnakh serve` listens on (its --host exports it)."""
    return os.environ.get("SARNAKH_HOST", "").strip() or DEFAULT_HOST


def served_base_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches a server listening on host:port.

    Used when SARNAKH_BASE_URL is not set, so `make run PORT=8130` links to :8130 rather
    than to a port nobody listens on. A wildcard bind has no address of its own to give."""
    host = host.strip()
    if host in WILDCARD_HOSTS:
        host = DEFAULT_HOST
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


def load_config() -> Config:
    load_env_file()
    home = Path(os.environ.get("SARNAKH_HOME", "./.sarnakh")).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    (home / "static").mkdir(exist_ok=True)
    database_url = os.environ.get("SARNAKH_DATABASE_URL", "").strip() or f"sqlite:///{home / 'sarnakh.sqlite3'}"
    _private_sqlite_file(database_url)
    language = os.environ.get("SARNAKH_LANGUAGE", "en").strip() or "en"
    if language not in {"en", "fa"}:
        raise ValueError("SARNAKH_LANGUAGE must be 'en' or 'fa'")
    hosts = os.environ.get("SARNAKH_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    base_url = (os.environ.get("SARNAKH_BASE_URL", "").strip() or served_base_url(served_host(), served_port())).rstrip("/")
    email = parse_email_url(os.environ.get("SARNAKH_EMAIL_URL", "").strip())
    esp = parse_esp()
    if email.backend == "anymail" and not esp.name:
        raise ValueError("SARNAKH_EMAIL_URL=anymail:// sends through an ESP: set SARNAKH_ESP (and its keys)")
    return Config(
        home=home,
        database_url=database_url,
        secret_key=_secret_key(home),
        debug=_flag("SARNAKH_DEBUG", False),
        allowed_hosts=[h.strip() for h in hosts.split(",") if h.strip()],
        base_url=base_url,
        time_zone=os.environ.get("SARNAKH_TIME_ZONE", "UTC"),
        default_region=os.environ.get("SARNAKH_DEFAULT_REGION", "IR").upper(),
        language=language,
        email=email,
        email_from=os.environ.get("SARNAKH_EMAIL_FROM", "Sarnakh <sarnakh@localhost>"),
        embedded_worker=_flag("SARNAKH_EMBEDDED_WORKER", True),
        max_body_bytes=int(os.environ.get("SARNAKH_MAX_BODY_BYTES", str(1024 * 1024))),
        behind_proxy=_flag("SARNAKH_BEHIND_PROXY", False),
        hsts_seconds=_int("SARNAKH_HSTS_SECONDS", ONE_YEAR_SECONDS),
        event_log_days=_int("SARNAKH_EVENT_LOG_DAYS", 365),
        plugins=tuple(p.strip() for p in os.environ.get("SARNAKH_PLUGINS", "").split(",") if p.strip()),
        webhooks_allow_private=_flag("SARNAKH_WEBHOOKS_ALLOW_PRIVATE", False),
        bounce_mailbox=os.environ.get("SARNAKH_BOUNCE_MAILBOX", "").strip(),
        email_legitimate_interest=_flag("SARNAKH_EMAIL_LEGITIMATE_INTEREST", False),
        audience_legitimate_interest=_flag("SARNAKH_AUDIENCE_LEGITIMATE_INTEREST", False),
        unsubscribe_mailto_domain=os.environ.get("SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN", "").strip().lower(),
        bounce_domain=os.environ.get("SARNAKH_BOUNCE_DOMAIN", "").strip().lower(),
        spf_include=os.environ.get("SARNAKH_SPF_INCLUDE", "").strip(),
        esp=esp,
    )
