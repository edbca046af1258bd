"""Finding probable duplicates among contacts: pure logic over plain rows, no ORM.

Never all pairs: contacts are put in blocks that share a key (the company, the email's
domain when it is no free-mail domain, the Gmail address without dots and +tags, any
address without its +tag, the phone number in E.164), and only contacts in one block are
compared. Names are compared after `core.normalize.normalize_text` (Persian/Arabic letter
variants ي/ی ك/ک, ZWNJ, diacritics, digits, case) with rapidfuzz's token sort ratio, so
word order, small spelling and transliteration differences score high; nicknames score as
far as the letters allow (Bob/Robert do not). The work is bounded: a block larger than
`MAX_BLOCK` is compared in windows of `MAX_BLOCK` after sorting by name (similar names sit
together), and a run stops comparing names after `MAX_COMPARISONS`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from sarnakh.core.normalize import (
    email_domain,
    is_free_mail_domain,
    normalize_digits,
    normalize_text,
)

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
NAME_THRESHOLD = 88  # token sort ratio (0–100) from which two names count as alike
MIN_SCORE = 75  # pairs below this are not shown
MAX_BLOCK = 500  # contacts compared with each other in one block (or window of one)
MAX_COMPARISONS = 3_000_000  # name comparisons in one run
MAX_PAIRS = 2_000  # candidate pairs kept per run (the best scores)

# Reason codes; the words are the caller's (views translate them).
SAME_GMAIL = "same_gmail"
SAME_PLUS = "same_plus"
SAME_PHONE = "same_phone"
PHONE_FORMAT = "phone_format"
NAME_COMPANY = "name_company"
NAME_DOMAIN = "name_domain"


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    company_id: int | None


@dataclass(frozen=True)
class Reason:
    code: str
    score: float
    similarity: float | None = None  # names' likeness in percent, for name reasons


@dataclass
class Candidate:
    a: int  # the lower id
    b: int
    score: float = 0.0
    reasons: list[Reason] = field(default_factory=list)

    def has(self, code: str) -> bool:
        return any(r.code == code for r in self.reasons)

    def add(self, reason: Reason) -> None:
        if any(r.code == reason.code for r in self.reasons):
            return
        self.reasons.append(reason)
        self.reasons.sort(key=lambda r: -r.score)
        # The strongest signal, and a little more for each one that agrees with it.
        self.score = min(100.0, self.reasons[0].score + 3 * (len(self.reasons) - 1))


@dataclass
class Result:
    candidates: list[Candidate]
    contacts: int
    blocks: int
    comparisons: int
    truncated: bool  # a bound was reached: some pairs may be missing


def canonical_email(email: str) -> tuple[str, str]:
    """The address as its mailbox receives it, and which rule made it: Gmail ignores dots
    and everything after + in the local part (and googlemail.com is gmail.com); other
    providers commonly ignore a +tag. ("", "") when nothing changes."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return "", ""
    local, _, domain = email.rpartition("@")
    if domain in GMAIL_DOMAINS:
        clean = local.split("+", 1)[0].replace(".", "")
        return f"{clean}@gmail.com", SAME_GMAIL
    if "+" in local:
        return f"{local.split('+', 1)[0]}@{domain}", SAME_PLUS
    return email, ""


def phone_key(phone: str, region: str) -> str:
    """The number in E.164 however it was written; its digits when it does not parse."""
    raw = normalize_digits(phone or "").strip()
    if not raw:
        return ""
    if _E164.fullmatch(raw):
        return raw  # as contacts store it: parsing again (tens of µs each) would change nothing
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException:
        digits = "".join(c for c in raw if c.isdigit())
        return digits if len(digits) >= 7 else ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def name_key(person: Person) -> str:
    return normalize_text(f"{person.first_name} {person.last_name}")


def name_similarity(a: str, b: str) -> float:
    """Two normalised names' likeness in percent (word order does not matter)."""
    if not a or not b:
        return 0.0
    return fuzz.token_sort_ratio(a, b)


def business_domain(email: str) -> str:
    domain = email_domain((email or "").lower())
    return "" if not domain or is_free_mail_domain(domain) else domain


class _Finder:
    def __init__(self, people: list[Person], region: str, dismissed: set[tuple[int, int]],
                 max_comparisons: int, max_block: int):
        self.people = {p.id: p for p in people}
        keys: dict[tuple[str, str], str] = {}  # names repeat: normalise each spelling once
        self.names = {p.id: keys.get((p.first_name, p.last_name)) or keys.setdefault((p.first_name, p.last_name), name_key(p))
                      for p in people}
        self.region = region
        self.dismissed = dismissed
        self.max_comparisons = max_comparisons
        self.max_block = max_block
        self.pairs: dict[tuple[int, int], Candidate] = {}
        self.comparisons = 0
        self.blocks = 0
        self.truncated = False

    def _pair(self, x: int, y: int) -> Candidate | None:
        key = (x, y) if x < y else (y, x)
        if key in self.dismissed:
            return None
        if key not in self.pairs:
            self.pairs[key] = Candidate(a=key[0], b=key[1])
        return self.pairs[key]

    def exact_blocks(self) -> None:
        """Same mailbox (Gmail dots/+tag, +tag elsewhere) and same phone: every pair in a
        block is a candidate, so blocks stay small by nature; a big one (a shared
        switchboard number) is cut at MAX_BLOCK."""
        by_mailbox: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_phone: dict[str, list[int]] = defaultdict(list)
        for p in self.people.values():
            key, rule = canonical_email(p.email)
            if rule:
                by_mailbox[(key, rule)].append(p.id)
            phone = phone_key(p.phone, self.region)
            if phone:
                by_phone[phone].append(p.id)
        for (_mailbox, rule), ids in by_mailbox.items():
            # A block of one canonical address: the ones written differently are candidates.
            if len(ids) < 2:
                continue
            self.blocks += 1
            self._all_pairs(ids, lambda x, y, rule=rule: Reason(rule, 97.0 if rule == SAME_GMAIL else 93.0))
        for ids in by_phone.values():
            if len(ids) < 2:
                continue
            self.blocks += 1
            self._all_pairs(ids, self._phone_reason)

    def _all_pairs(self, ids: list[int], reason_for) -> None:
        ids = sorted(ids)
        if len(ids) > self.max_block:
            ids, self.truncated = ids[: self.max_block], True
        for i, x in enumerate(ids):
            for y in ids[i + 1:]:
                reason = reason_for(x, y)
                if reason is not None and reason.score >= MIN_SCORE:
                    candidate = self._pair(x, y)
                    if candidate is not None:
                        candidate.add(reason)

    def _phone_reason(self, x: int, y: int) -> Reason | None:
        a, b = self.people[x], self.people[y]
        similarity = name_similarity(self.names[x], self.names[y])
        if self.names[x] and self.names[y] and similarity < 70:
            return None  # one number, two different people (a shared office line)
        written_alike = normalize_digits(a.phone).strip() == normalize_digits(b.phone).strip()
        return Reason(SAME_PHONE if written_alike else PHONE_FORMAT, 90.0)

    def name_blocks(self) -> None:
        by_company: dict[int, list[int]] = defaultdict(list)
        by_domain: dict[str, list[int]] = defaultdict(list)
        for p in self.people.values():
            if not self.names[p.id]:
                continue
            if p.company_id is not None:
                by_company[p.company_id].append(p.id)
            domain = business_domain(p.email)
            if domain:
                by_domain[domain].append(p.id)
        for code, blocks in ((NAME_COMPANY, by_company), (NAME_DOMAIN, by_domain)):
            for ids in blocks.values():
                if len(ids) < 2:
                    continue
                if code == NAME_DOMAIN and len({self.people[i].company_id for i in ids}) == 1 \
                        and self.people[ids[0]].company_id is not None:
                    continue  # one company's own domain: its company block compared them already
                if self.comparisons >= self.max_comparisons:
                    self.truncated = True
                    return
                self.blocks += 1
                self._compare_names(ids, code)

    def _compare_names(self, ids: list[int], code: str) -> None:
        ids = sorted(ids, key=lambda i: (self.names[i], i))
        step = self.max_block
        # Windows overlap by half, so neighbours at a window's edge still meet.
        starts = range(0, max(len(ids) - step // 2, 1), step // 2) if len(ids) > step else [0]
        for start in starts:
            window = ids[start:start + step]
            if self.comparisons + len(window) ** 2 > self.max_comparisons:
                self.truncated = True
                return
            names = [self.names[i] for i in window]
            scores = cdist(names, names, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_THRESHOLD)
            self.comparisons += len(window) ** 2
            for i, j in zip(*scores.nonzero(), strict=True):
                if i >= j:
                    continue
                candidate = self._pair(window[i], window[j])
                if candidate is not None and not (code == NAME_DOMAIN and candidate.has(NAME_COMPANY)):
                    similarity = float(scores[i, j])
                    candidate.add(Reason(code, similarity, similarity=round(similarity)))


def find_candidates(people: Iterable[Person], *, region: str, dismissed: set[tuple[int, int]] | None = None,
                    max_comparisons: int = MAX_COMPARISONS, max_block: int = MAX_BLOCK,
                    max_pairs: int = MAX_PAIRS) -> Result:
    """Candidate pairs among `people`, best first (then the older pair first). `dismissed`
    holds (lower id, higher id) pairs someone said are different people."""
    people = list(people)
    finder = _Finder(people, region, dismissed or set(), max_comparisons, max(2, max_block))
    finder.exact_blocks()
    finder.name_blocks()
    found = [c for c in finder.pairs.values() if c.score >= MIN_SCORE]
    found.sort(key=lambda c: (-c.score, c.a, c.b))
    truncated = finder.truncated or len(found) > max_pairs
    return Result(candidates=found[:max_pairs], contacts=len(people), blocks=finder.blocks,
                  comparisons=finder.comparisons, truncated=truncated)
