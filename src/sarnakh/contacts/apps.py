from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "sarnakh.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        from sarnakh.contacts import contact_page  # noqa: F401 - registers contacts' timeline kinds and cards
        from sarnakh.contacts.timeline import activity_write, activity_write_many
        from sarnakh.core.timeline import install_timeline_writer

        # The one place the timeline writer is wired (core.timeline).
        install_timeline_writer(activity_write, activity_write_many)
