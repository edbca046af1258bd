"""What a contact or company is found by: one normalised text column each.

Persian/Arabic letter variants, digits, case and spacing fold the same way in the stored
text and in the query (core.normalize), so `علي` finds `علی` and `۰۹۱۲` finds `0912`.
"""

from __future__ import annotations

from sarnakh.core.normalize import normalize_digits, normalize_text


def _phone_forms(phone: str) -> list[str]:
    if not phone:
        return []
    digits = phone.lstrip("+")
    # +989123456789 is typed as 09123456789 or 9123456789 in Iran; keep the national form too.
    national = "0" + digits[2:] if len(digits) > 10 else ""
    return [digits, national]


def contact_search_text(contact) -> str:
    parts = [
        contact.first_name,
        contact.last_name,
        f"{contact.first_name} {contact.last_name}",
        contact.email,
        *_phone_forms(contact.phone),
        contact.company.name if contact.company_id and contact.company else "",
        contact.job_title,
    ]
    return "\n".join(normalize_text(p) for p in parts if p)


def company_search_text(company) -> str:
    # The name comes first on its own line so exact name look-ups can use a prefix match.
    return "\n".join(normalize_text(p) for p in [company.name, company.domain, company.industry] if p) + "\n"


def search_terms(query: str) -> list[str]:
    """Split a typed query into normalised terms; every term must match."""
    text = normalize_text(query)
    terms = []
    for term in text.split(" "):
        term = term.strip()
        if not term:
            continue
        digits = normalize_digits(term).lstrip("+")
        terms.append(digits if digits.isdigit() else term)
    return terms[:6]
