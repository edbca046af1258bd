import pytest

from sarnakh.mail.subscriptions import services


@pytest.fixture(autouse=True)
def shipped_topics(request):
    """The data migration's topics (a transactional test's flush deletes them)."""
    if {"db", "transactional_db", "live_server"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
        services.topic_seed_defaults()


@pytest.fixture
def person(db, actor):
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": "Reza@Example.com", "first_name": "Reza", "consent": "subscribed", "language": "fa"},
                          actor=actor).contact


def make(actor, email: str, consent: str = "subscribed", **extra):
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": email, "consent": consent, **extra}, actor=actor).contact
