from sarnakh.contacts.demo import load_demo
from sarnakh.contacts.selectors import live_contacts
from sarnakh.mail.subscriptions.demo import load_subscriptions_demo
from sarnakh.mail.subscriptions.models import Suppression, TopicOptOut


def test_demo_suppresses_the_unsubscribed_and_is_idempotent(db):
    load_demo(contacts=120, companies=10, seed=1403, days=90)
    load_subscriptions_demo(seed=1403)
    unsubscribed = {e.lower() for e in live_contacts().filter(consent="unsubscribed").exclude(email="").values_list("email", flat=True)}
    assert unsubscribed and unsubscribed == set(Suppression.objects.filter(reason="unsubscribed_all").values_list("address", flat=True))
    counts = (Suppression.objects.count(), TopicOptOut.objects.count())
    load_subscriptions_demo(seed=1403)
    assert (Suppression.objects.count(), TopicOptOut.objects.count()) == counts
