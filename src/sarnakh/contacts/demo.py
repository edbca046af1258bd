"""The reproducible demo dataset behind `sarnakh demo`.

Everything comes from one `random.Random(seed)` and times are relative to a fixed
anchor (today 00:00 UTC from `core.clock`), so the same seed on the same day gives the
same data. Rows are built in Python and written with `bulk_create` (a few seconds for
2,000 contacts) instead of calling the per-contact services, but they have the same
shape the services write: normalised email/phone, `search_text`, a `created` timeline
row and a stage-history row for every contact, and a timeline row for every stage
change and note.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import ActivityKind, Consent, EmployeeBand, LeadStatus, RevenueBand
from sarnakh.contacts.models import Activity, Company, Contact, Note, StageChange, Tag
from sarnakh.contacts.search import company_search_text, contact_search_text
from sarnakh.core import clock
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.normalize import InvalidPhone, normalize_email, normalize_phone
from sarnakh.core.roles import MARKETING, SALES, set_role

# (username, first name, last name, role)
DEMO_USERS = [
    ("maryam", "مریم", "احمدی", MARKETING),
    ("reza", "رضا", "کریمی", SALES),
    ("sara", "Sara", "Miller", SALES),
]
SITE = "https://www.example.ir"

# --- names -------------------------------------------------------------------------
PERSIAN_FIRST = [
    ("علی", "ali"), ("محمد", "mohammad"), ("زهرا", "zahra"), ("فاطمه", "fatemeh"), ("مریم", "maryam"),
    ("رضا", "reza"), ("سارا", "sara"), ("حسین", "hossein"), ("نگار", "negar"), ("امیر", "amir"),
    ("نیلوفر", "niloofar"), ("مهدی", "mahdi"), ("الهام", "elham"), ("کیان", "kian"), ("پریسا", "parisa"),
    ("بهروز", "behrouz"), ("شیرین", "shirin"), ("آرش", "arash"), ("یاسمن", "yasaman"), ("حمید", "hamid"),
    ("لیلا", "leila"), ("سعید", "saeed"), ("مینا", "mina"), ("پویا", "pouya"), ("کاوه", "kaveh"),
    ("نازنین", "nazanin"), ("فرهاد", "farhad"), ("ترانه", "taraneh"), ("بابک", "babak"), ("سمیرا", "samira"),
    ("کیوان", "keyvan"), ("هستی", "hasti"), ("مجید", "majid"), ("رؤیا", "roya"), ("اکبر", "akbar"),
]
PERSIAN_LAST = [
    ("رضایی", "rezaei"), ("محمدی", "mohammadi"), ("حسینی", "hosseini"), ("احمدی", "ahmadi"), ("کریمی", "karimi"),
    ("موسوی", "mousavi"), ("جعفری", "jafari"), ("صادقی", "sadeghi"), ("کاظمی", "kazemi"), ("رحیمی", "rahimi"),
    ("نوروزی", "norouzi"), ("تهرانی", "tehrani"), ("شریفی", "sharifi"), ("قاسمی", "ghasemi"), ("اکبری", "akbari"),
    ("عباسی", "abbasi"), ("یزدانی", "yazdani"), ("فرهادی", "farhadi"), ("بهرامی", "bahrami"), ("ملکی", "maleki"),
    ("امیری", "amiri"), ("زارعی", "zarei"), ("نیک‌نام", "niknam"), ("سلطانی", "soltani"), ("پاکزاد", "pakzad"),
    ("کوهستانی", "kouhestani"), ("شاه‌محمدی", "shahmohammadi"), ("اصفهانی", "esfahani"),
]
ENGLISH_FIRST = [
    "James", "Emma", "Oliver", "Sophia", "Liam", "Mia", "Noah", "Charlotte", "Lucas", "Hannah", "Max", "Lena",
    "Daniel", "Sarah", "Thomas", "Laura", "Can", "Elif", "Mehmet", "Zeynep", "Omar", "Layla", "Ahmed", "Nadia",
    "Jonas", "Anna", "Ethan", "Grace",
]
ENGLISH_LAST = [
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Müller", "Schmidt", "Fischer", "Weber", "Yılmaz", "Kaya",
    "Demir", "Al Mansouri", "Haddad", "Khan", "Clarke", "Walker", "Wright", "Hughes", "Becker", "Schneider",
    "Öztürk", "Nasser", "Evans",
]

# --- companies ---------------------------------------------------------------------
PERSIAN_COMPANY_HEAD = [
    ("پارس", "pars"), ("آریا", "arya"), ("نوین", "novin"), ("سپهر", "sepehr"), ("البرز", "alborz"),
    ("کاوش", "kavosh"), ("رایان", "rayan"), ("فرا", "fara"), ("دانا", "dana"), ("آسمان", "aseman"),
    ("هامون", "hamoon"), ("زاگرس", "zagros"), ("مهر", "mehr"), ("تابان", "taban"), ("سینا", "sina"),
    ("آوا", "ava"), ("پیشرو", "pishro"), ("ستاره", "setareh"),
]
PERSIAN_COMPANY_TAIL = [
    ("داده", "dade"), ("پرداز", "pardaz"), ("تجارت", "tejarat"), ("سیستم", "system"), ("ارتباط", "ertebat"),
    ("گستر", "gostar"), ("افزار", "afzar"), ("شیمی", "shimi"), ("غذا", "ghaza"), ("صنعت", "sanat"),
    ("پخش", "pakhsh"), ("سازه", "sazeh"), ("درمان", "darman"), ("آموز", "amooz"),
]
ENGLISH_COMPANY_HEAD = [
    "Blue", "North", "Silver", "Bright", "Green", "Atlas", "Vertex", "Orbit", "Summit", "Harbor", "Nova",
    "Pioneer", "Cedar", "Falcon", "Lumen", "Granite", "Meridian", "Anatolia", "Oasis", "Rhein",
]
ENGLISH_COMPANY_TAIL = [
    "Labs", "Systems", "Logistics", "Foods", "Analytics", "Software", "Energy", "Health", "Capital", "Retail",
    "Robotics", "Media", "Trading", "Works",
]
INDUSTRIES = [
    "Software", "Manufacturing", "Retail", "Financial services", "Healthcare", "Logistics", "Education",
    "Food & beverage", "Construction", "Telecommunications", "Energy", "Marketing agency", "E-commerce",
]
# country: (weight, top-level domain, company suffix, time zone, language, cities, phone maker)
COUNTRIES = {
    "IR": (70, ".ir", "", "Asia/Tehran", "fa", ["تهران", "اصفهان", "مشهد", "شیراز", "تبریز", "کرج", "رشت"]),
    "DE": (8, ".de", " GmbH", "Europe/Berlin", "de", ["Berlin", "Hamburg", "Munich", "Frankfurt"]),
    "AE": (8, ".ae", " LLC", "Asia/Dubai", "en", ["Dubai", "Abu Dhabi", "Sharjah"]),
    "TR": (6, ".com.tr", " A.Ş.", "Europe/Istanbul", "tr", ["Istanbul", "Ankara", "Izmir"]),
    "GB": (4, ".co.uk", " Ltd", "Europe/London", "en", ["London", "Manchester", "Leeds"]),
    "US": (4, ".com", " Inc.", "America/New_York", "en", ["New York", "Austin", "Boston"]),
}
PHONE_PATTERNS = {
    "IR": ["0912#######", "0919#######", "0935#######", "0936#######", "0901#######", "0910#######", "0921#######", "0990#######", "0937#######", "0917#######"],
    "DE": ["+49151########", "+49160#######", "+49176########"],
    "AE": ["+97150#######", "+97155#######"],
    "TR": ["+90532#######", "+90544#######"],
    "GB": ["+447700######", "+447911######"],
    "US": ["+1212#######", "+1415#######", "+1646#######"],
}
FREE_MAIL = ["gmail.com", "gmail.com", "yahoo.com"]

JOB_TITLES_FA = [
    "مدیر فروش", "مدیر بازاریابی", "مدیرعامل", "کارشناس خرید", "مدیر فناوری اطلاعات", "کارشناس بازاریابی دیجیتال",
    "مدیر محصول", "مدیر مالی", "کارشناس فروش", "مدیر منابع انسانی", "مدیر بازرگانی", "مدیر عملیات",
]
JOB_TITLES_EN = [
    "Head of Marketing", "Sales Manager", "CEO", "CTO", "Procurement Specialist", "Marketing Manager",
    "Product Manager", "Operations Director", "IT Manager", "Growth Lead", "CFO", "Founder",
]
TAGS = ["newsletter", "webinar-1403", "pricing-page", "vip", "enterprise", "smb", "partner", "نمایشگاه-الکامپ", "خبرنامه", "demo-requested"]

INBOUND_CHANNELS = [
    (Channel.ORGANIC_SEARCH, 18), (Channel.PAID_SEARCH, 12), (Channel.SOCIAL, 12), (Channel.EMAIL, 8),
    (Channel.REFERRAL, 7), (Channel.DIRECT, 6), (Channel.WEB_FORM, 16), (Channel.API, 4), (Channel.EVENT, 3),
    (Channel.OTHER, 2),
]
OUTBOUND_CHANNELS = [(Channel.COLD_EMAIL, 35), (Channel.COLD_CALL, 25), (Channel.LIST_IMPORT, 25), (Channel.EVENT, 12), (Channel.OTHER, 3)]
LANDING_PAGES = ["/", "/pricing", "/demo", "/fa/blog/lead-scoring", "/fa/blog/lead-nurturing", "/ebook/mql-guide", "/features/automation", "/en/case-studies"]
CAMPAIGNS = ["crm-brand-1403", "spring-webinar", "nowruz-offer", "lead-scoring-ebook", "retargeting-q2", "newsletter-weekly"]
SEARCH_TERMS = ["نرم افزار crm", "مدیریت سرنخ", "lead management software", "marketing automation", "اتوماسیون بازاریابی"]

# stage -> (next stage, chance to move on, gap in days (min, max), how the move happens)
FORWARD = {
    "subscriber": ("lead", 0.6, (2, 20), "rule"),
    "lead": ("mql", 0.38, (1, 25), "rule"),
    "mql": ("sql", 0.55, (0.1, 6), "user"),
    "sql": ("opportunity", 0.55, (3, 25), "user"),
    "opportunity": ("customer", 0.45, (7, 40), "user"),
}
RULES = {
    "lead": "Form submitted: content download",
    "mql": "Score reached 95 (fit + engagement)",
}
SIDE_REASONS = {
    "cold": ["No reply after 5 attempts", "هیچ پاسخی به ایمیل‌ها و تماس‌ها نداده است"],
    "disqualified": [
        "Student, not a business", "Competitor researching our pricing", "Invalid contact data",
        "Outside our service area", "No decision-making authority", "بودجه کمتر از حداقل قرارداد",
    ],
    "recycled": [
        "Not ready to buy; back to nurturing", "No budget this quarter", "Lost to a competitor; revisit next year",
        "پروژه به سال بعد موکول شد",
    ],
}
SIDE_STATES = frozenset(SIDE_REASONS)
# stage where the progression stopped -> [(side state, chance)]
SIDE_MOVES = {
    "lead": [("cold", 0.12), ("disqualified", 0.08)],
    "mql": [("recycled", 0.2), ("disqualified", 0.08)],
    "sql": [("recycled", 0.18), ("disqualified", 0.1), ("cold", 0.06)],
    "opportunity": [("recycled", 0.25), ("cold", 0.1)],
}
STATUS_BY_STAGE = {
    "subscriber": [LeadStatus.NEW],
    "lead": [LeadStatus.NEW, LeadStatus.NEW, LeadStatus.ATTEMPTED],
    "mql": [LeadStatus.ATTEMPTED, LeadStatus.CONNECTED],
    "sql": [LeadStatus.CONNECTED, LeadStatus.IN_PROGRESS],
    "opportunity": [LeadStatus.IN_PROGRESS],
    "customer": [LeadStatus.CONNECTED],
    "recycled": [LeadStatus.BAD_TIMING],
    "disqualified": [LeadStatus.UNQUALIFIED],
    "cold": [LeadStatus.ATTEMPTED, LeadStatus.BAD_TIMING],
}
NOTES_FA = [
    "تماس گرفتم؛ برای هفته بعد جلسه دمو هماهنگ شد.",
    "در نمایشگاه الکامپ صحبت کردیم؛ به ماژول اتوماسیون بازاریابی علاقه دارد.",
    "پیش‌فاکتور ارسال شد. منتظر تأیید واحد مالی هستند.",
    "گفت فعلاً بودجه ندارد؛ سه ماه دیگر پیگیری شود.",
    "نسخه آزمایشی فعال شد. دو نفر از تیم فروششان هم اضافه شدند.",
]
NOTES_EN = [
    "Asked for a price list in EUR and a reference customer in their industry.",
    "Sent the case study; follow up on Monday.",
    "Demo went well — they want SSO and a Persian UI for their Tehran office.",
    "Gatekeeper only; need to reach the head of marketing directly.",
    "Comparing us with HubSpot; main concern is data residency.",
]


class _Ids:
    """Unique local parts and phone numbers within one run."""

    def __init__(self, taken_emails: set[str], taken_phones: set[str]):
        self.emails = set(taken_emails)
        self.phones = set(taken_phones)


@dataclass
class _Plan:
    contact: Contact
    moves: list[tuple[str, str, dt.datetime, str, str]] = field(default_factory=list)  # from, to, at, how, reason
    notes: list[tuple[str, dt.datetime]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def demo_loaded() -> bool:
    return get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS]).exists()


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _phone(rng: random.Random, country: str, ids: _Ids) -> str:
    for _attempt in range(20):
        pattern = rng.choice(PHONE_PATTERNS[country])
        raw = "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in pattern)
        try:
            phone = normalize_phone(raw, region="IR")
        except InvalidPhone:
            continue
        if phone not in ids.phones:
            ids.phones.add(phone)
            return phone
    return ""


def _email(rng: random.Random, first: str, last: str, domain: str, ids: _Ids) -> str:
    first, last = first.lower().replace(" ", ""), last.lower().replace(" ", "")
    local = rng.choice([f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last[0]}", f"{first}_{last}", first])
    local = local.encode("ascii", "ignore").decode() or "info"
    candidate, n = f"{local}@{domain}", 1
    while candidate in ids.emails:
        n += 1
        candidate = f"{local}{n}@{domain}"
    ids.emails.add(candidate)
    return normalize_email(candidate)


def _companies(rng: random.Random, count: int, anchor: dt.datetime, days: int) -> list[Company]:
    taken = set(Company.objects.exclude(domain="").values_list("domain", flat=True))
    countries = [(code, spec[0]) for code, spec in COUNTRIES.items()]
    companies: list[Company] = []
    attempts = 0
    while len(companies) < count and attempts < count * 20:
        attempts += 1
        country = _weighted(rng, countries)
        _w, tld, suffix, *_rest = COUNTRIES[country]
        if country == "IR" and rng.random() < 0.8:
            (head, head_latin), (tail, tail_latin) = rng.choice(PERSIAN_COMPANY_HEAD), rng.choice(PERSIAN_COMPANY_TAIL)
            name, domain = f"{head} {tail}", f"{head_latin}{tail_latin}{tld}"
        else:
            head, tail = rng.choice(ENGLISH_COMPANY_HEAD), rng.choice(ENGLISH_COMPANY_TAIL)
            name, domain = f"{head} {tail}{suffix}", f"{head}{tail}{tld}".lower()
        if domain in taken:
            continue
        taken.add(domain)
        created = anchor - dt.timedelta(days=days + rng.uniform(1, 90))
        company = Company(
            name=name,
            domain=domain,
            industry=rng.choice(INDUSTRIES),
            employee_band=rng.choices(EmployeeBand.values, weights=[10, 25, 25, 15, 10, 10, 5])[0],
            revenue_band=rng.choices(RevenueBand.values, weights=[25, 35, 20, 12, 8])[0],
            country=country,
            created_at=created,
            updated_at=created,
        )
        company.search_text = company_search_text(company)
        companies.append(company)
    return companies


def _first_touch(rng: random.Random, contact: Contact) -> None:
    channel = contact.channel
    contact.landing_page = SITE + rng.choice(LANDING_PAGES)
    campaign = rng.choice(CAMPAIGNS)
    if channel == Channel.ORGANIC_SEARCH:
        engine = rng.choice(["google", "google", "bing"])
        contact.utm_source, contact.utm_medium = engine, "organic"
        contact.referrer = f"https://www.{engine}.com/"
    elif channel == Channel.PAID_SEARCH:
        contact.utm_source, contact.utm_medium, contact.utm_campaign = "google", "cpc", campaign
        contact.utm_term = rng.choice(SEARCH_TERMS)
        contact.utm_content = rng.choice(["ad-a", "ad-b"])
    elif channel == Channel.SOCIAL:
        network = rng.choice(["linkedin", "instagram", "telegram", "x"])
        contact.utm_source, contact.utm_medium, contact.utm_campaign = network, "social", campaign
        contact.referrer = f"https://{network}.com/" if network != "telegram" else "https://t.me/"
    elif channel == Channel.EMAIL:
        contact.utm_source, contact.utm_medium, contact.utm_campaign = "newsletter", "email", "newsletter-weekly"
        contact.utm_content = rng.choice(["header-cta", "footer-link"])
    elif channel == Channel.REFERRAL:
        partner = rng.choice(["zoomit.ir", "virgool.io", "partner-agency.com", "g2.com"])
        contact.utm_source, contact.utm_medium = partner, "referral"
        contact.referrer = f"https://{partner}/"
    elif channel == Channel.WEB_FORM:
        contact.landing_page = SITE + rng.choice(["/demo", "/contact", "/ebook/mql-guide"])
        contact.utm_source, contact.utm_medium, contact.utm_campaign = rng.choice(["google", "linkedin", "newsletter"]), rng.choice(["cpc", "social", "email"]), campaign
    elif channel == Channel.API:
        contact.utm_source, contact.utm_medium = "website-chat", "integration"
    elif channel == Channel.EVENT:
        contact.utm_source, contact.utm_medium, contact.utm_campaign = "elecomp-1403", "event", "trade-show"
    elif channel == Channel.OTHER:
        contact.utm_source = "podcast"
    # Channel.DIRECT: a landing page and nothing else.


def _consent(rng: random.Random, contact: Contact, created: dt.datetime, anchor: dt.datetime) -> None:
    if contact.source_type == SourceType.INBOUND and contact.email:
        roll = rng.random()
        if roll < 0.6:
            contact.consent = Consent.SUBSCRIBED
            contact.consent_at = created
            contact.consent_method = rng.choice(["Web form checkbox", "Newsletter double opt-in", "Webinar registration"])
        elif roll < 0.68:
            contact.consent = Consent.UNSUBSCRIBED
            contact.consent_at = min(created + dt.timedelta(days=rng.uniform(3, 40)), anchor - dt.timedelta(hours=1))
            contact.consent_method = "Unsubscribe link"
    elif contact.email and rng.random() < 0.05:
        contact.consent = Consent.UNSUBSCRIBED
        contact.consent_at = min(created + dt.timedelta(days=rng.uniform(1, 20)), anchor - dt.timedelta(hours=1))
        contact.consent_method = "Replied: asked not to be emailed"


def _progress(rng: random.Random, plan: _Plan, created: dt.datetime, anchor: dt.datetime) -> None:
    contact = plan.contact
    inbound_content = contact.channel in (Channel.EMAIL, Channel.SOCIAL, Channel.ORGANIC_SEARCH)
    stage = "subscriber" if contact.source_type == SourceType.INBOUND and inbound_content and rng.random() < 0.45 else "lead"
    plan.moves.append(("", stage, created, "create", ""))
    at = created
    while stage in FORWARD:
        target, chance, (low, high), how = FORWARD[stage]
        if rng.random() >= chance:
            break
        next_at = at + dt.timedelta(days=rng.uniform(low, high))
        if next_at >= anchor:
            break
        plan.moves.append((stage, target, next_at, how, ""))
        stage, at = target, next_at
    for side, chance in SIDE_MOVES.get(stage, []):
        if rng.random() < chance:
            side_at = at + dt.timedelta(days=rng.uniform(3, 35))
            if side_at < anchor:
                plan.moves.append((stage, side, side_at, "user", rng.choice(SIDE_REASONS[side])))
                stage, at = side, side_at
                if side == "recycled" and rng.random() < 0.3:
                    back_at = at + dt.timedelta(days=rng.uniform(10, 40))
                    if back_at < anchor:
                        plan.moves.append((stage, "lead", back_at, "rule", "Re-engaged: downloaded the pricing guide"))
                        stage, at = "lead", back_at
            break
    contact.stage_id = stage
    contact.lead_status = rng.choice(STATUS_BY_STAGE[stage])


def _contact_plans(rng, count, companies, users, anchor, days, ids) -> list[_Plan]:
    marketer, reps = users[0], users[1:]
    channels = list(Channel.values)
    weights = [{"1-10": 1, "11-50": 2, "51-200": 3, "201-500": 4, "501-1000": 5, "1001-5000": 6, "5001+": 7}[c.employee_band] for c in companies]
    plans = []
    for i in range(count):
        company = rng.choices(companies, weights=weights)[0] if companies and rng.random() < 0.78 else None
        country = company.country if company else _weighted(rng, [("IR", 80), ("DE", 5), ("AE", 5), ("TR", 5), ("GB", 3), ("US", 2)])
        persian = rng.random() < (0.9 if country == "IR" else 0.15)
        if persian:
            (first, first_latin), (last, last_latin) = rng.choice(PERSIAN_FIRST), rng.choice(PERSIAN_LAST)
        else:
            first, last = rng.choice(ENGLISH_FIRST), rng.choice(ENGLISH_LAST)
            first_latin = first.replace("ı", "i").replace("Ö", "O").replace("ö", "o").replace("ü", "u")
            last_latin = last.replace("ı", "i").replace("Ö", "O").replace("ö", "o").replace("ü", "u").replace("Müller", "mueller")
        # Newer contacts are more common: the business grows.
        created = anchor - dt.timedelta(days=days * rng.random() ** 1.3 + 0.01)
        created = created.replace(hour=rng.randint(5, 16), minute=rng.randrange(60), second=rng.randrange(60))
        if created >= anchor:
            created -= dt.timedelta(days=1)
        source_type = SourceType.INBOUND if rng.random() < 0.68 else SourceType.OUTBOUND
        # The first contacts cycle through every channel so even a tiny dataset shows them all.
        channel = channels[i] if i < len(channels) else _weighted(rng, INBOUND_CHANNELS if source_type == SourceType.INBOUND else OUTBOUND_CHANNELS)
        if channel in (Channel.COLD_EMAIL, Channel.COLD_CALL, Channel.LIST_IMPORT):
            source_type = SourceType.OUTBOUND
        elif channel not in (Channel.EVENT, Channel.OTHER):
            source_type = SourceType.INBOUND
        email = ""
        if channel != Channel.COLD_CALL or rng.random() < 0.5:
            domain = company.domain if company and rng.random() < 0.85 else rng.choice(FREE_MAIL)
            email = _email(rng, first_latin, last_latin, domain, ids)
        phone = _phone(rng, country, ids) if (not email or rng.random() < 0.7) else ""
        if not email and not phone:
            email = _email(rng, first_latin, last_latin, rng.choice(FREE_MAIL), ids)
        _w, _tld, _suffix, time_zone, language, cities = COUNTRIES[country]
        contact = Contact(
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            company=company if company and email.endswith("@" + company.domain) else (company if company and rng.random() < 0.5 else None),
            job_title=rng.choice(JOB_TITLES_FA if persian else JOB_TITLES_EN) if company or rng.random() < 0.4 else "",
            country=country,
            city=rng.choice(cities) if (persian or country != "IR") else "Tehran",
            language="fa" if persian else language,
            time_zone=time_zone,
            source_type=source_type,
            channel=channel,
            created_at=created,
        )
        if source_type == SourceType.INBOUND:
            _first_touch(rng, contact)
        elif channel == Channel.EVENT:
            contact.utm_campaign = "elecomp-1403"
        _consent(rng, contact, created, anchor)
        plan = _Plan(contact=contact)
        _progress(rng, plan, created, anchor)
        stage = contact.stage_id
        if stage in ("sql", "opportunity", "customer") or (stage in ("recycled", "disqualified", "cold") and len(plan.moves) > 2):
            contact.owner = rng.choice(reps)
        elif stage == "mql":
            contact.owner = rng.choice([marketer, *reps])
        elif rng.random() < 0.6:
            contact.owner = marketer if source_type == SourceType.INBOUND else rng.choice(reps)
        plan.tags = rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3]))
        if contact.channel == Channel.EMAIL and "newsletter" not in plan.tags:
            plan.tags.append("newsletter")
        last_at = plan.moves[-1][2]
        for _n in range(rng.choice([0, 0, 0, 1, 1, 2, 3]) if len(plan.moves) > 1 or rng.random() < 0.3 else 0):
            note_at = created + (last_at - created + dt.timedelta(days=2)) * rng.random()
            if note_at < anchor:
                plan.notes.append((rng.choice(NOTES_FA if persian else NOTES_EN), note_at))
        contact.updated_at = max([last_at, *[n[1] for n in plan.notes]])
        contact.search_text = contact_search_text(contact)
        plans.append(plan)
    return plans


def _users(password: str):
    User = get_user_model()
    users = []
    for username, first, last, role in DEMO_USERS:
        user = User.objects.create_user(username=username, password=password, email=f"{username}@example.ir", first_name=first, last_name=last)
        set_role(user, role)
        users.append(user)
    return users


def _actor_label(how: str, contact: Contact, user) -> tuple[object, str, str]:
    """(user, label, StageChange source) for a move made `how`."""
    if how == "create":
        if contact.channel == Channel.LIST_IMPORT:
            return None, "import: exhibitors-1403.csv", StageChange.Source.IMPORT
        if contact.channel in (Channel.API, Channel.WEB_FORM):
            return None, "API key: website", StageChange.Source.API
        if contact.source_type == SourceType.OUTBOUND and user is not None:
            return user, user.username, StageChange.Source.USER
        return None, "system", StageChange.Source.SYSTEM
    if how == "rule":
        return None, "rule", StageChange.Source.RULE
    return user, user.username if user else "system", StageChange.Source.USER if user else StageChange.Source.SYSTEM


def load_demo(*, contacts: int = 2000, companies: int = 300, seed: int = 1403, days: int = 180) -> str:
    """Load the demo dataset and return a summary to print (with the demo logins)."""
    if demo_loaded():
        return _("Demo data is already loaded (users %(users)s exist); nothing was changed.") % {
            "users": ", ".join(u[0] for u in DEMO_USERS)
        }
    rng = random.Random(seed)
    anchor = clock.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    password = secrets.token_urlsafe(9)
    with transaction.atomic():
        users = _users(password)
        company_rows = Company.objects.bulk_create(_companies(rng, companies, anchor, days), batch_size=500)
        ids = _Ids(set(), set())
        plans = _contact_plans(rng, contacts, company_rows, users, anchor, days, ids)
        _drop_clashes(plans)
        Contact.objects.bulk_create([p.contact for p in plans], batch_size=500)
        _write_history(plans, users[0])
        _write_tags(plans)
        _company_notes(rng, company_rows, users, anchor)
    stages = Counter(p.contact.stage_id for p in plans)
    lines = [
        _("Demo data loaded: %(contacts)d contacts at %(companies)d companies over the last %(days)d days (seed %(seed)d).")
        % {"contacts": len(plans), "companies": len(company_rows), "days": days, "seed": seed},
        _("Stages: %(stages)s") % {"stages": ", ".join(f"{k} {stages[k]}" for k in sorted(stages, key=lambda k: -stages[k]))},
        _("Demo users (password for all: %(password)s): %(users)s")
        % {"password": password, "users": ", ".join(f"{u[0]} ({u[3]})" for u in DEMO_USERS)},
    ]
    return "\n".join(lines)


def _drop_clashes(plans: list[_Plan]) -> None:
    """Leave out generated people whose email or phone already belongs to a real contact."""
    emails = [p.contact.email for p in plans if p.contact.email]
    phones = [p.contact.phone for p in plans if p.contact.phone and not p.contact.email]
    taken_emails, taken_phones = set(), set()
    for start in range(0, max(len(emails), len(phones)), 500):
        taken_emails |= set(Contact.objects.filter(email__in=emails[start : start + 500], merged_into__isnull=True).values_list("email", flat=True))
        taken_phones |= set(Contact.objects.filter(phone__in=phones[start : start + 500], email="", merged_into__isnull=True).values_list("phone", flat=True))
    if taken_emails or taken_phones:
        plans[:] = [
            p for p in plans
            if p.contact.email not in taken_emails and not (not p.contact.email and p.contact.phone in taken_phones)
        ]


def _write_history(plans: list[_Plan], fallback_author) -> None:
    changes, activities, notes = [], [], []
    for plan in plans:
        contact = plan.contact
        owner = contact.owner
        for from_key, to_key, at, how, reason in plan.moves:
            user, label, source = _actor_label(how, contact, owner)
            if how == "create":
                snapshot = {
                    name: getattr(contact, name)
                    for name in ("first_name", "last_name", "email", "phone", "job_title", "country", "city", "source_type", "channel", "utm_source", "utm_medium", "utm_campaign", "landing_page")
                    if getattr(contact, name)
                }
                if contact.company_id:
                    snapshot["company"] = contact.company.name
                activities.append(Activity(contact=contact, kind=ActivityKind.CREATED, occurred_at=at, actor=user, actor_label=label, data={"fields": snapshot, "stage": to_key}))
            rule = RULES.get(to_key, "") if how == "rule" else ""
            backward = to_key in SIDE_STATES
            changes.append(
                StageChange(contact=contact, from_stage=from_key, to_stage=to_key, changed_at=at, changed_by=user, source=source, rule=rule, reason=reason, is_backward=backward)
            )
            activities.append(
                Activity(
                    contact=contact, kind=ActivityKind.STAGE_CHANGED, occurred_at=at, actor=user, actor_label=label,
                    data={"from": from_key, "to": to_key, "reason": reason, "rule": rule, "backward": backward},
                )
            )
        for body, at in plan.notes:
            notes.append(Note(contact=contact, author=owner or fallback_author, body=body, created_at=at))
    StageChange.objects.bulk_create(changes, batch_size=1000)
    Note.objects.bulk_create(notes, batch_size=1000)
    for note in notes:
        activities.append(
            Activity(
                contact=note.contact, kind=ActivityKind.NOTE_ADDED, occurred_at=note.created_at, actor=note.author,
                actor_label=note.author.username if note.author else "", data={"note_id": note.pk, "body": note.body[:500]},
            )
        )
    Activity.objects.bulk_create(activities, batch_size=1000)


def _write_tags(plans: list[_Plan]) -> None:
    names = sorted({t for p in plans for t in p.tags})
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Contact.tags.through
    through.objects.bulk_create(
        [through(contact_id=p.contact.pk, tag_id=tag_ids[t]) for p in plans for t in p.tags], batch_size=1000
    )


def _company_notes(rng: random.Random, companies: list[Company], users, anchor: dt.datetime) -> None:
    bodies = [
        "Framework agreement up for renewal in Q3.",
        "قرارداد پشتیبانی سالانه دارند؛ تمدید در پایان سال.",
        "Key account: involve the CEO in the next meeting.",
        "در حال بررسی سه تأمین‌کننده هستند.",
    ]
    rows = []
    for company in companies:
        if rng.random() < 0.15:
            rows.append(Note(company=company, author=rng.choice(users), body=rng.choice(bodies), created_at=anchor - dt.timedelta(days=rng.uniform(1, 60))))
    Note.objects.bulk_create(rows, batch_size=500)
