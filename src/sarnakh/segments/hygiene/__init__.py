"""List hygiene (docs/segments.md, "List hygiene"): probable duplicates with a bulk merge,
inactive contacts with a sunset action, list decay per source and channel, and address
flags (role, disposable, invalid) that segments can filter on."""
