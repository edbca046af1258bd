"""The SSRF guard: webhooks reach only public http(s) addresses unless the operator allows
private ones; checked when saved and again before each attempt, without connecting."""

from __future__ import annotations

import pytest

from sarnakh.core.errors import ValidationFailed
from sarnakh.webhooks import services, ssrf
from sarnakh.webhooks.models import Webhook

pytestmark = pytest.mark.django_db

REFUSED = [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://127.1.2.3/hook", "loopback"),
    ("http://10.0.0.5/hook", "private"),
    ("https://192.168.1.10/hook", "private"),
    ("http://172.16.0.1/hook", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://169.254.10.10/", "link_local"),
    ("http://[::1]:9000/hook", "loopback"),
    ("http://[fd12:3456::1]/hook", "private"),
    ("http://[fe80::1]/hook", "link_local"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
    ("http://[2002:7f00:1::]/hook", "loopback"),  # 6to4 carrying 127.0.0.1
    ("http://100.64.0.1/hook", "shared"),
    ("http://localhost:8000/hook", "loopback"),  # a name resolving to loopback
    ("http://2130706433/hook", "loopback"),  # 127.0.0.1 written as one number
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
]


@pytest.mark.parametrize(("url", "category"), REFUSED)
def test_a_webhook_to_a_non_public_address_is_refused_naming_the_url(url, category):
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(url=url, events=["*"])
    assert list(refused.value.fields) == ["url"]
    assert "SARNAKH_WEBHOOKS_ALLOW_PRIVATE" in refused.value.fields["url"][0] or category in ssrf.ALWAYS_REFUSED
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://example.com/", "example.com/hook", "//example.com/hook", ""])
def test_only_http_and_https_addresses_are_accepted(url):
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(url=url, events=["*"])
    assert "url" in refused.value.fields


@pytest.mark.parametrize("url", ["http://user:pass@example.com/", "http://127.0.0.1@example.com/", "http://exa mple.com/", "http://example.com:99999/", "http://[::1/"])
def test_credentials_spaces_and_bad_ports_or_hosts_are_refused(url):
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(url=url, events=["*"])
    assert "url" in refused.value.fields


def test_the_operator_setting_allows_private_addresses_but_never_metadata(settings):
    settings.SARNAKH_WEBHOOKS_ALLOW_PRIVATE = True
    for url in ("http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://localhost/hook", "http://[::1]/hook"):
        assert services.webhook_create(url=url, events=["*"]).url == url
    for url in ("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://0.0.0.0/", "http://224.0.0.1/"):
        with pytest.raises(ValidationFailed):
            services.webhook_create(url=url, events=["*"])


def test_a_public_address_and_a_name_that_does_not_resolve_yet_are_accepted():
    # Neither is connected to: saving only resolves the name.
    assert services.webhook_create(url="https://93.184.215.14/hooks", events=["*"]).url == "https://93.184.215.14/hooks"
    assert services.webhook_create(url="https://hooks.invalid/sarnakh", events=["*"]).url == "https://hooks.invalid/sarnakh"


def test_categories_of_addresses():
    assert ssrf.address_category("8.8.8.8") is None
    assert ssrf.address_category("2001:4860:4860::8888") is None
    assert ssrf.address_category("64:ff9b::a00:1") == "private"  # NAT64 of 10.0.0.1
    assert ssrf.address_category("240.0.0.1") == "reserved"
    assert ssrf.address_category("255.255.255.255") == "reserved"
    assert ssrf.refusal("10.0.0.1", allow_private=True) is None
    assert ssrf.refusal("169.254.169.254", allow_private=True) == "metadata"


def test_a_name_with_any_refused_address_is_refused(monkeypatch):
    monkeypatch.setattr(ssrf, "resolve", lambda host, port, timeout=5: ["93.184.215.14", "10.0.0.7"])
    target = ssrf.parse_url("https://rebind.example/hook")
    with pytest.raises(ssrf.UrlRefused) as refused:
        ssrf.checked_addresses(target, allow_private=False)
    assert (refused.value.code, refused.value.category, refused.value.address) == ("address", "private", "10.0.0.7")


def test_parsing_keeps_the_host_for_the_host_header_and_sni():
    target = ssrf.parse_url("https://Hooks.Example.COM:8443/in?token=abc#frag")
    assert (target.scheme, target.host, target.port, target.path, target.host_header) == (
        "https", "hooks.example.com", 8443, "/in?token=abc", "hooks.example.com:8443",
    )
    assert ssrf.parse_url("http://[::1]/").host_header == "[::1]"
    assert ssrf.parse_url("http://exämple.com/").host == "xn--exmple-cua.com"


@pytest.mark.parametrize(("value", "allowed"), [(None, False), ("", False), ("false", False), ("true", True), ("1", True)])
def test_the_allow_private_setting_is_read_from_the_environment(monkeypatch, tmp_path, value, allowed):
    from sarnakh.config import load_config

    monkeypatch.setenv("SARNAKH_ENV_FILE", str(tmp_path / "missing.env"))
    monkeypatch.setenv("SARNAKH_HOME", str(tmp_path / "home"))
    if value is None:
        monkeypatch.delenv("SARNAKH_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    else:
        monkeypatch.setenv("SARNAKH_WEBHOOKS_ALLOW_PRIVATE", value)
    assert load_config().webhooks_allow_private is allowed
