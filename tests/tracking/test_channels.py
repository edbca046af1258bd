"""The pure channel engine (channels.py) and origin rules (origins.py): no database."""

from __future__ import annotations

import pytest

from sarnakh.tracking.channels import (
    DEFAULT_RULES,
    Rule,
    TouchInput,
    classify,
    host_of,
    utm_from_url,
    validate_rule,
)
from sarnakh.tracking.origins import normalize_origin, origin_allowed

LANDING = "https://www.example.com/pricing"


def channel(url: str = LANDING, referrer: str = "", utm: dict | None = None) -> str:
    return classify(TouchInput(url=url, referrer=referrer, utm=utm))


@pytest.mark.parametrize(
    ("url", "referrer", "expected"),
    [
        # paid search: click ids win over everything else
        (LANDING + "?gclid=abc", "https://www.google.com/", "paid_search"),
        (LANDING + "?msclkid=x", "", "paid_search"),
        (LANDING + "?utm_source=google&utm_medium=cpc", "https://www.google.com/", "paid_search"),
        (LANDING + "?utm_medium=PPC", "", "paid_search"),
        # display, affiliate, email, social, organic and referral by utm_medium
        (LANDING + "?utm_medium=banner", "", "display"),
        (LANDING + "?utm_medium=retargeting", "", "display"),
        (LANDING + "?utm_medium=affiliate", "", "affiliate"),
        (LANDING + "?utm_source=news&utm_medium=email", "", "email"),
        (LANDING + "?utm_medium=newsletter", "", "email"),
        (LANDING + "?utm_medium=paid_social", "", "social"),
        (LANDING + "?utm_medium=organic&utm_source=whatever", "", "organic_search"),
        (LANDING + "?utm_medium=referral", "", "referral"),
        # social click ids
        (LANDING + "?fbclid=IwAR", "", "social"),
        (LANDING + "?ttclid=1", "", "social"),
        # search engine named in utm_source (Persian engines too)
        (LANDING + "?utm_source=zarebin", "", "organic_search"),
        (LANDING + "?utm_source=Parsijoo", "", "organic_search"),
        # referrers: search engines
        (LANDING, "https://www.google.com/", "organic_search"),
        (LANDING, "https://www.google.co.uk/search?q=x", "organic_search"),
        (LANDING, "https://www.bing.com/search?q=x", "organic_search"),
        (LANDING, "https://duckduckgo.com/", "organic_search"),
        (LANDING, "https://zarebin.ir/search?q=سرنخ", "organic_search"),
        (LANDING, "https://www.parsijoo.ir/web?q=x", "organic_search"),
        (LANDING, "https://yandex.ru/search/", "organic_search"),
        # referrers: social
        (LANDING, "https://l.instagram.com/?u=x", "social"),
        (LANDING, "https://www.instagram.com/p/abc/", "social"),
        (LANDING, "https://www.linkedin.com/feed/", "social"),
        (LANDING, "https://lnkd.in/abc", "social"),
        (LANDING, "https://t.me/sarnakh", "social"),
        (LANDING, "https://t.co/xyz", "social"),
        (LANDING, "https://x.com/someone", "social"),
        (LANDING, "https://twitter.com/someone", "social"),
        (LANDING, "https://www.aparat.com/v/abc", "social"),
        (LANDING, "https://m.facebook.com/", "social"),
        (LANDING, "https://www.youtube.com/watch?v=1", "social"),
        # referrers: webmail
        (LANDING, "https://mail.google.com/mail/u/0/", "email"),
        # fallbacks
        (LANDING, "https://blog.partner.org/post", "referral"),
        (LANDING + "?utm_source=podcast", "", "other"),
        (LANDING, "", "direct"),
        (LANDING, "https://www.example.com/blog", "direct"),  # same site is not a source
        (LANDING, "https://example.com/", "direct"),  # www. is the same site
    ],
)
def test_given_a_touch_when_classified_with_default_rules_then_channel(url, referrer, expected):
    assert channel(url, referrer) == expected


def test_given_google_lookalike_hosts_then_not_search():
    assert channel(referrer="https://google.example.com/") == "referral"  # google.* means a Google country domain
    assert channel(referrer="https://notgoogle.com/") == "referral"


def test_given_subdomain_of_search_engine_then_still_matches():
    assert channel(referrer="https://news.google.com/") == "organic_search"
    assert channel(referrer="https://search.brave.com/search?q=x") == "organic_search"


def test_given_explicit_utm_then_url_parameters_are_not_read():
    assert channel(LANDING + "?utm_medium=email", utm={}) == "direct"
    assert channel(LANDING, utm={"utm_medium": "cpc"}) == "paid_search"


def test_given_rule_order_then_first_match_wins():
    rules = (Rule("utm_source", "newsletter", "email"), Rule("utm_source", "news*", "social"))
    assert classify(TouchInput(url=LANDING + "?utm_source=newsletter"), rules) == "email"
    assert classify(TouchInput(url=LANDING + "?utm_source=newsfeed"), rules) == "social"


def test_given_custom_wildcards_then_values_match_case_insensitively():
    rules = (Rule("utm_medium", "sms, push-?", "other"), Rule("referrer_host", "*.partner.org", "affiliate"))
    assert classify(TouchInput(url=LANDING + "?utm_medium=PUSH-1"), rules) == "other"
    assert classify(TouchInput(url=LANDING, referrer="https://shop.partner.org/x"), rules) == "affiliate"


def test_given_urls_then_host_and_utm_helpers_normalise():
    assert host_of("https://WWW.Google.COM./x") == "google.com"
    assert host_of("not a url") == ""
    assert utm_from_url("https://a.com/?UTM_SOURCE=x&utm_medium=%20email%20&utm_term=") == {"utm_source": "x", "utm_medium": "email"}


def test_given_rule_rows_then_validate_names_the_bad_columns():
    assert validate_rule("utm_medium", "cpc", "paid_search") == {}
    assert validate_rule("hostname", " , ", "tv") == {"field": "unknown", "pattern": "empty", "channel": "unknown"}


def test_default_rules_are_all_valid():
    assert all(validate_rule(r.field, r.pattern, r.channel) == {} for r in DEFAULT_RULES)


# ---------------------------------------------------------------- origins

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://Example.com/path?q=1", "https://example.com"),
        ("https://www.example.com:443", "https://www.example.com"),
        ("http://example.com:80/", "http://example.com"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("  https://shop.example.com  ", "https://shop.example.com"),
        ("https://*.example.com", "https://*.example.com"),
    ],
)
def test_given_origin_text_when_normalised_then_scheme_host_port(text, expected):
    assert normalize_origin(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("example.com", "Start with http:// or https://."),
        ("ftp://example.com", "Only http and https origins can send events."),
        ("https://exa mple.com", "The host is not valid."),
        ("https://example.com:99999", "The port is not valid."),
    ],
)
def test_given_bad_origin_when_normalised_then_reason(text, reason):
    with pytest.raises(ValueError, match=reason.replace(".", r"\.")):
        normalize_origin(text)


def test_given_allowed_origins_then_exact_and_wildcard_matches():
    allowed = ["https://www.example.com", "https://*.example.org"]
    assert origin_allowed("https://www.example.com", allowed)
    assert origin_allowed("https://WWW.example.com:443", allowed)
    assert not origin_allowed("http://www.example.com", allowed)  # scheme matters
    assert not origin_allowed("https://example.com", allowed)
    assert origin_allowed("https://shop.example.org", allowed)
    assert origin_allowed("https://a.b.example.org", allowed)
    assert not origin_allowed("https://example.org", allowed)  # the wildcard is for subdomains only
    assert not origin_allowed("https://evilexample.org", allowed)
    assert not origin_allowed("null", allowed)


def test_given_no_allowed_origins_then_any_origin_is_allowed():
    assert origin_allowed("https://anything.test", [])
