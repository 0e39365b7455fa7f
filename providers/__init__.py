"""Adapters to outside systems, each behind a Protocol with a sandbox that behaves like
the real service."""
