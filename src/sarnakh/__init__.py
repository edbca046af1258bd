"""Sarnakh: self-hosted lead management and marketing automation."""

__version__ = "0.1.0"
