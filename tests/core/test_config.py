import sqlite3

import pytest

from sarnakh.config import load_config, parse_email_url


def test_given_empty_email_url_then_messages_go_to_the_outbox():
    assert parse_email_url("").backend == "outbox"


def test_given_plain_smtp_url_then_host_port_and_credentials_are_parsed():
    config = parse_email_url("smtp://user%40example.com:p%40ss@mail.example.com:2525")
    assert (config.backend, config.host, config.port) == ("smtp", "mail.example.com", 2525)
    assert (config.user, config.password) == ("user@example.com", "p@ss")
    assert not config.use_tls and not config.use_ssl


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://mail.example.com", 25, False, False),
        ("smtp://mail.example.com?tls=1", 587, True, False),
        ("submission://mail.example.com", 587, True, False),
        ("smtps://mail.example.com", 465, False, True),
        ("smtp://mail.example.com?ssl=true", 465, False, True),
    ],
)
def test_given_tls_options_then_default_ports_follow(url, port, tls, ssl):
    config = parse_email_url(url)
    assert (config.port, config.use_tls, config.use_ssl) == (port, tls, ssl)


def test_given_timeout_option_then_it_is_read():
    assert parse_email_url("smtp://h?timeout=3").timeout == 3


def test_given_unknown_scheme_then_a_clear_error():
    with pytest.raises(ValueError, match="SARNAKH_EMAIL_URL"):
        parse_email_url("http://mail.example.com")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ["SARNAKH_SECRET_KEY", "SARNAKH_DATABASE_URL", "SARNAKH_EMAIL_URL", "SARNAKH_LANGUAGE", "SARNAKH_DEFAULT_REGION", "SARNAKH_ALLOWED_HOSTS", "SARNAKH_DEBUG",
                 "SARNAKH_ESP", "SARNAKH_ESP_WEBHOOK_SECRET", "SARNAKH_ESP_API_KEY", "SARNAKH_ESP_SECRET_KEY",
                 "SARNAKH_ESP_SIGNING_KEY", "SARNAKH_BOUNCE_MAILBOX", "SARNAKH_EMAIL_LEGITIMATE_INTEREST",
                 "SARNAKH_AUDIENCE_LEGITIMATE_INTEREST", "SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN", "SARNAKH_BOUNCE_DOMAIN", "SARNAKH_SPF_INCLUDE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SARNAKH_ENV_FILE", str(tmp_path / "missing.env"))
    monkeypatch.setenv("SARNAKH_HOME", str(tmp_path / "home"))
    return tmp_path


def test_given_no_secret_key_when_loading_twice_then_one_generated_key_is_persisted(clean_env):
    first = load_config()
    second = load_config()
    key_file = clean_env / "home" / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_given_defaults_then_sqlite_in_home_english_region_ir_outbox(clean_env):
    config = load_config()
    assert config.is_sqlite and str(clean_env / "home" / "sarnakh.sqlite3") in config.database_url
    assert (config.language, config.default_region, config.email.backend) == ("en", "IR", "outbox")
    assert config.debug is False


def test_given_environment_then_it_wins(clean_env, monkeypatch):
    monkeypatch.setenv("SARNAKH_SECRET_KEY", "explicit")
    monkeypatch.setenv("SARNAKH_LANGUAGE", "fa")
    monkeypatch.setenv("SARNAKH_DEFAULT_REGION", "de")
    monkeypatch.setenv("SARNAKH_ALLOWED_HOSTS", "crm.example.com, 10.0.0.1")
    monkeypatch.setenv("SARNAKH_DEBUG", "yes")
    monkeypatch.setenv("SARNAKH_EMAIL_URL", "smtps://u:p@smtp.example.com")
    config = load_config()
    assert config.secret_key == "explicit"
    assert not (clean_env / "home" / "secret_key").exists()
    assert (config.language, config.default_region, config.debug) == ("fa", "DE", True)
    assert config.allowed_hosts == ["crm.example.com", "10.0.0.1"]
    assert (config.email.host, config.email.port, config.email.use_ssl) == ("smtp.example.com", 465, True)


def test_given_dotenv_file_then_it_is_read_without_overriding_environment(clean_env, monkeypatch):
    env_file = clean_env / "sarnakh.env"
    env_file.write_text("SARNAKH_DEFAULT_REGION=TR\nSARNAKH_LANGUAGE=fa\n")
    monkeypatch.setenv("SARNAKH_ENV_FILE", str(env_file))
    monkeypatch.setenv("SARNAKH_LANGUAGE", "en")
    # load_dotenv writes into os.environ: register the keys so monkeypatch restores them.
    monkeypatch.setenv("SARNAKH_DEFAULT_REGION", "")
    monkeypatch.delenv("SARNAKH_DEFAULT_REGION")
    config = load_config()
    assert (config.default_region, config.language) == ("TR", "en")


def test_given_unsupported_language_then_a_clear_error(clean_env, monkeypatch):
    monkeypatch.setenv("SARNAKH_LANGUAGE", "de")
    with pytest.raises(ValueError, match="SARNAKH_LANGUAGE"):
        load_config()


def test_given_a_new_install_then_the_sqlite_file_and_its_wal_are_private(clean_env):
    # given a fresh home: the database file is made before the first connection
    config = load_config()
    database = clean_env / "home" / "sarnakh.sqlite3"
    assert oct(database.stat().st_mode & 0o777) == "0o600"
    # when SQLite opens it in WAL mode, the -wal and -shm files take the file's mode
    connection = sqlite3.connect(config.database_url.removeprefix("sqlite://"))
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    for suffix in ("-wal", "-shm"):
        assert oct((clean_env / "home" / f"sarnakh.sqlite3{suffix}").stat().st_mode & 0o777) == "0o600"
    connection.close()


def test_given_an_older_install_with_a_readable_database_then_it_is_tightened(clean_env):
    database = clean_env / "home" / "sarnakh.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"")
    database.chmod(0o644)
    load_config()
    assert oct(database.stat().st_mode & 0o777) == "0o600"


def test_given_https_base_url_behind_a_proxy_then_https_proxy_and_hsts_are_read(clean_env, monkeypatch):
    monkeypatch.setenv("SARNAKH_BASE_URL", "https://crm.example.com/")
    monkeypatch.setenv("SARNAKH_BEHIND_PROXY", "true")
    monkeypatch.setenv("SARNAKH_HSTS_SECONDS", "3600")
    config = load_config()
    assert (config.https, config.behind_proxy, config.hsts_seconds) == (True, True, 3600)


def test_given_defaults_then_plain_http_no_proxy_and_a_year_of_hsts_for_when_https_is_on(clean_env, monkeypatch):
    for name in ["SARNAKH_BASE_URL", "SARNAKH_BEHIND_PROXY", "SARNAKH_HSTS_SECONDS"]:
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert (config.https, config.behind_proxy, config.hsts_seconds) == (False, False, 365 * 24 * 3600)


@pytest.mark.parametrize("value", ["a year", "-1"])
def test_given_bad_hsts_seconds_then_a_clear_error(clean_env, monkeypatch, value):
    monkeypatch.setenv("SARNAKH_HSTS_SECONDS", value)
    with pytest.raises(ValueError, match="SARNAKH_HSTS_SECONDS"):
        load_config()


@pytest.fixture
def no_address(monkeypatch):
    for name in ["SARNAKH_BASE_URL", "SARNAKH_HOST", "SARNAKH_PORT"]:
        monkeypatch.delenv(name, raising=False)


def test_given_no_base_url_and_no_served_address_then_links_use_the_default_port(clean_env, no_address):
    assert load_config().base_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8130", "http://127.0.0.1:8130"),
        ("localhost", "8140", "http://localhost:8140"),
        ("0.0.0.0", "8130", "http://127.0.0.1:8130"),  # every interface: this machine's own address
        ("::", "8130", "http://127.0.0.1:8130"),
        ("::1", "8150", "http://[::1]:8150"),
    ],
)
def test_given_no_base_url_when_served_on_a_host_and_port_then_links_follow_them(clean_env, no_address, monkeypatch, host, port, expected):
    monkeypatch.setenv("SARNAKH_HOST", host)
    monkeypatch.setenv("SARNAKH_PORT", port)
    assert load_config().base_url == expected


def test_given_base_url_when_served_on_another_port_then_the_base_url_wins(clean_env, no_address, monkeypatch):
    monkeypatch.setenv("SARNAKH_BASE_URL", "https://crm.example.com/")
    monkeypatch.setenv("SARNAKH_PORT", "8130")
    assert load_config().base_url == "https://crm.example.com"


@pytest.mark.parametrize("value", ["eighty", "0", "70000"])
def test_given_bad_port_then_a_clear_error(clean_env, no_address, monkeypatch, value):
    monkeypatch.setenv("SARNAKH_PORT", value)
    with pytest.raises(ValueError, match="SARNAKH_PORT"):
        load_config()


def test_given_no_esp_then_no_webhook_settings(clean_env):
    config = load_config()
    assert config.esp.name == "" and config.esp.anymail == () and config.bounce_mailbox == ""


def test_given_an_esp_then_its_keys_become_anymail_settings(clean_env, monkeypatch):
    monkeypatch.setenv("SARNAKH_ESP", "Mailgun")
    monkeypatch.setenv("SARNAKH_ESP_WEBHOOK_SECRET", "hook:0123456789abcdef")
    monkeypatch.setenv("SARNAKH_ESP_API_KEY", "key-1")
    monkeypatch.setenv("SARNAKH_ESP_SIGNING_KEY", "sign-1")
    monkeypatch.setenv("SARNAKH_BOUNCE_MAILBOX", "imaps://u:p@imap.example.ir/INBOX")
    config = load_config()
    assert config.esp.name == "mailgun" and config.bounce_mailbox == "imaps://u:p@imap.example.ir/INBOX"
    assert dict(config.esp.anymail) == {"WEBHOOK_SECRET": "hook:0123456789abcdef", "MAILGUN_API_KEY": "key-1",
                                        "MAILGUN_WEBHOOK_SIGNING_KEY": "sign-1"}


@pytest.mark.parametrize(("esp", "secret", "error"), [
    ("smoke-signals", "hook:0123456789abcdef", "SARNAKH_ESP must be one of"),
    ("postmark", "", "SARNAKH_ESP_WEBHOOK_SECRET"),
    ("postmark", "no-colon-in-this-secret", "SARNAKH_ESP_WEBHOOK_SECRET"),
])
def test_given_a_bad_esp_setting_then_a_clear_error(clean_env, monkeypatch, esp, secret, error):
    monkeypatch.setenv("SARNAKH_ESP", esp)
    monkeypatch.setenv("SARNAKH_ESP_WEBHOOK_SECRET", secret)
    with pytest.raises(ValueError, match=error):
        load_config()


def test_given_anymail_email_url_then_it_needs_an_esp(clean_env, monkeypatch):
    monkeypatch.setenv("SARNAKH_EMAIL_URL", "anymail://")
    with pytest.raises(ValueError, match="SARNAKH_ESP"):
        load_config()
    monkeypatch.setenv("SARNAKH_ESP", "postmark")
    monkeypatch.setenv("SARNAKH_ESP_WEBHOOK_SECRET", "hook:0123456789abcdef")
    assert load_config().email.backend == "anymail"


def test_given_the_mail_rules_in_the_environment_then_the_configuration_carries_them(clean_env, monkeypatch):
    defaults = load_config()
    assert (defaults.email_legitimate_interest, defaults.audience_legitimate_interest) == (False, False)
    assert (defaults.unsubscribe_mailto_domain, defaults.bounce_domain, defaults.spf_include) == ("", "", "")
    monkeypatch.setenv("SARNAKH_EMAIL_LEGITIMATE_INTEREST", "yes")
    monkeypatch.setenv("SARNAKH_AUDIENCE_LEGITIMATE_INTEREST", "true")
    monkeypatch.setenv("SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN", " Mail.Example.com ")
    monkeypatch.setenv("SARNAKH_BOUNCE_DOMAIN", "Bounces.Example.com")
    monkeypatch.setenv("SARNAKH_SPF_INCLUDE", "_spf.relay.example.net")
    config = load_config()
    assert (config.email_legitimate_interest, config.audience_legitimate_interest) == (True, True)
    assert (config.unsubscribe_mailto_domain, config.bounce_domain, config.spf_include) == (
        "mail.example.com", "bounces.example.com", "_spf.relay.example.net")
