"""Plain dicts of records for the API (and later exports): one shape everywhere."""

from __future__ import annotations

from sarnakh.contacts.models import Activity, Company, Contact, Note, StageChange


def user_ref(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def contact_to_dict(contact: Contact) -> dict:
    company = contact.company
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "email": contact.email,
        "phone": contact.phone,
        "company": {"id": company.pk, "name": company.name, "domain": company.domain} if company else None,
        "job_title": contact.job_title,
        "country": contact.country,
        "city": contact.city,
        "language": contact.language,
        "time_zone": contact.time_zone,
        "stage": contact.stage_id,
        "lead_status": contact.lead_status,
        "owner": user_ref(contact.owner),
        "source_type": contact.source_type,
        "channel": contact.channel,
        "utm_source": contact.utm_source,
        "utm_medium": contact.utm_medium,
        "utm_campaign": contact.utm_campaign,
        "utm_term": contact.utm_term,
        "utm_content": contact.utm_content,
        "referrer": contact.referrer,
        "landing_page": contact.landing_page,
        "consent": contact.consent,
        "consent_at": contact.consent_at,
        "consent_method": contact.consent_method,
        # A service that just wrote the tags leaves their names on the instance (no re-query).
        "tags": contact.tag_names if hasattr(contact, "tag_names") else sorted(t.name for t in contact.tags.all()),
        "properties": contact.properties,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def company_to_dict(company: Company) -> dict:
    return {
        "id": company.pk,
        "name": company.name,
        "domain": company.domain,
        "industry": company.industry,
        "employee_band": company.employee_band,
        "revenue_band": company.revenue_band,
        "country": company.country,
        "properties": company.properties,
        "contact_count": getattr(company, "contact_count", None),
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


def activity_to_dict(activity: Activity) -> dict:
    actor = activity.actor_label or (activity.actor.get_username() if activity.actor else "")
    return {"id": activity.pk, "kind": activity.kind, "occurred_at": activity.occurred_at, "actor": actor, "data": activity.data}


def stage_change_to_dict(change: StageChange) -> dict:
    return {
        "id": change.pk,
        "from_stage": change.from_stage,
        "to_stage": change.to_stage,
        "changed_at": change.changed_at,
        "changed_by": user_ref(change.changed_by),
        "source": change.source,
        "rule": change.rule,
        "reason": change.reason,
        "is_backward": change.is_backward,
    }


def note_to_dict(note: Note) -> dict:
    return {"id": note.pk, "body": note.body, "author": user_ref(note.author), "created_at": note.created_at}
