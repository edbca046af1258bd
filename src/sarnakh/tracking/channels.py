"""Which marketing channel a session came through, from its UTM parameters, landing page
and referrer. Pure: no ORM. The rule table is data (editable in Settings → Tracking);
`DEFAULT_RULES` is what a new installation starts with.

A rule is (field, pattern, channel). `pattern` is a comma-separated list of values:
- utm_medium / utm_source: the value, case-insensitive; `*` and `?` are wildcards.
- referrer_host: a host or a parent domain (`bing.com` matches `www.bing.com`);
  `google.*` matches any Google country domain.
- url_param: the landing page's query string has one of these parameters (gclid…).
The first matching rule wins. With no match: a session with UTM parameters is `other`,
one with an outside referrer is `referral`, anything else is `direct`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from sarnakh.core.urls import UTM_KEYS, host_of, query_params, utm_from_url  # noqa: F401 - re-exported for tracking

FIELDS = ("utm_medium", "utm_source", "referrer_host", "url_param")
CHANNELS = (
    "organic_search", "paid_search", "social", "email", "referral", "direct", "display", "affiliate", "other",
)


@dataclass(frozen=True)
class Rule:
    field: str
    pattern: str
    channel: str

    @property
    def values(self) -> list[str]:
        return [v.strip().lower() for v in self.pattern.split(",") if v.strip()]


SEARCH_ENGINES = (
    "google.*, bing.com, duckduckgo.com, yandex.*, ya.ru, yahoo.com, search.yahoo.com, baidu.com, ecosia.org, "
    "search.brave.com, startpage.com, ask.com, naver.com, seznam.cz, qwant.com, "
    "zarebin.ir, parsijoo.ir, yooz.ir, gerdoo.me"
)
SOCIAL_SITES = (
    "facebook.com, fb.com, m.facebook.com, instagram.com, l.instagram.com, linkedin.com, lnkd.in, "
    "t.me, telegram.org, telegram.me, twitter.com, x.com, t.co, aparat.com, youtube.com, youtu.be, "
    "reddit.com, pinterest.com, tiktok.com, threads.net, eitaa.com, rubika.ir, bale.ai, virgool.io, whatsapp.com"
)
WEBMAIL_SITES = "mail.google.com, outlook.live.com, outlook.office.com, mail.yahoo.com, mail.yandex.ru, mail.ir"

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("url_param", "gclid, gbraid, wbraid, msclkid, gclsrc, dclid", "paid_search"),
    Rule("utm_medium", "cpc, ppc, paidsearch, paid_search, paid-search, sem, search_ads", "paid_search"),
    Rule("utm_medium", "display, banner, cpm, programmatic, retargeting, native", "display"),
    Rule("utm_medium", "affiliate, affiliates, partner, partners", "affiliate"),
    Rule("utm_medium", "email, e-mail, e_mail, newsletter, mail", "email"),
    Rule("utm_medium", "social, social-network, social-media, social_media, sm, paid_social, paid-social, paidsocial", "social"),
    Rule("utm_medium", "organic", "organic_search"),
    Rule("utm_medium", "referral, link", "referral"),
    Rule("url_param", "fbclid, ttclid, li_fat_id", "social"),
    Rule("utm_source", "google, bing, duckduckgo, yandex, yahoo, baidu, ecosia, brave, zarebin, parsijoo, yooz, gerdoo", "organic_search"),
    Rule("referrer_host", WEBMAIL_SITES, "email"),
    Rule("referrer_host", SEARCH_ENGINES, "organic_search"),
    Rule("referrer_host", SOCIAL_SITES, "social"),
)


@dataclass(frozen=True)
class TouchInput:
    """What a session's first event tells about where the visitor came from."""

    url: str = ""
    referrer: str = ""
    utm: dict[str, str] | None = None  # taken from `url` when not given


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.endswith(".*"):  # google.* : google.com, google.co.uk, www.google.de, news.google.com
        base = pattern[:-2]
        labels = host.split(".")
        if base not in labels[:-1]:
            return False
        suffix = labels[labels.index(base) + 1 :]
        return len(suffix) <= 2 and all(len(label) <= 3 for label in suffix)  # .com, .co.uk, .de
    if "*" in pattern or "?" in pattern:
        return fnmatch.fnmatchcase(host, pattern)
    return host == pattern or host.endswith("." + pattern)


def _rule_matches(rule: Rule, utm: dict[str, str], referrer_host: str, params: dict[str, str]) -> bool:
    values = rule.values
    if rule.field in ("utm_medium", "utm_source"):
        value = utm.get(rule.field, "").strip().lower()
        return bool(value) and any(fnmatch.fnmatchcase(value, v) for v in values)
    if rule.field == "referrer_host":
        return bool(referrer_host) and any(_host_matches(referrer_host, v) for v in values)
    if rule.field == "url_param":
        return any(v in params for v in values)
    raise ValueError(f"unknown channel rule field: {rule.field}")


def classify(touch: TouchInput, rules: tuple[Rule, ...] | list[Rule] = DEFAULT_RULES) -> str:
    utm = dict(touch.utm) if touch.utm is not None else utm_from_url(touch.url)
    referrer_host = host_of(touch.referrer)
    if referrer_host and referrer_host == host_of(touch.url):
        referrer_host = ""  # a page of the same site is not where the visitor came from
    params = query_params(touch.url)
    for rule in rules:
        if _rule_matches(rule, utm, referrer_host, params):
            return rule.channel
    if any(utm.values()):
        return "other"
    return "referral" if referrer_host else "direct"


def validate_rule(field: str, pattern: str, channel: str) -> dict[str, str]:
    """Problems with one rule row, by column (empty when it is fine)."""
    problems = {}
    if field not in FIELDS:
        problems["field"] = "unknown"
    if channel not in CHANNELS:
        problems["channel"] = "unknown"
    if not [v for v in pattern.split(",") if v.strip()]:
        problems["pattern"] = "empty"
    return problems
