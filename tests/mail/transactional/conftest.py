from tests.mail.delivery.conftest import sink  # noqa: F401 - the real SMTP server fixture
