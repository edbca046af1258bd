"""What filters can test from the segments app (core.filters.fields)."""

from sarnakh.segments.hygiene import filter_fields as hygiene_filter_fields  # noqa: F401 - the address flags
