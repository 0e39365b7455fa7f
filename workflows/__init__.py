"""Orchestration only, deterministic: business rules live in domain/, effects in activities/."""
