from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "sarnakh.contacts"
    label = "contacts"
    verbose_name = "Contacts"
