"""Tracking (issue 14): link instrumentation with UTM parameters and the link checker, the
signed click redirect and open pixel, machine-open detection, and what a person's opens
and clicks do for the contact (timeline, scores, segments). docs/email-tracking.md."""
