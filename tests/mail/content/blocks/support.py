"""Block documents for the block editor's tests."""

from __future__ import annotations

GREETING = 'Hello {{ contact.first_name | default("دوست عزیز") }}'


def document(*blocks: dict, **settings) -> dict:
    return {"version": 1, "blocks": list(blocks), **settings}


def short(**extra) -> dict:
    """Heading, text and button: the short template the issue's marketer writes."""
    return document(
        {"type": "heading", "text": GREETING},
        {"type": "text", "text": "Our <b>news</b> for {{ company.name | default('you') }}: "
                                 "<a href=\"https://example.com/news?id={{ data.issue | default('1') }}\">read</a>"},
        {"type": "button", "label": "Read more", "href": "https://example.com/more"},
        **extra,
    )


def template_values(**values) -> dict:
    return {"name": "Block news", "subject": "News for {{ contact.first_name | default('you') }}", "preheader": "",
            "language": "en", "topic": "", "kind": "marketing", "blocks": short(), **values}
