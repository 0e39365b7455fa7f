"""Business counters recorded by activities through the Temporal SDK's metric meter, so
they appear with the SDK's own metrics on the worker's endpoint (ORDINO_WORKER_METRICS).
Without an endpoint the meter records nothing, and outside an activity (tests calling one
directly) there is no meter."""

from __future__ import annotations

from temporalio import activity

MAILS_SENT = "ordino_mails_sent"


def count(name: str, description: str, labels: dict[str, str]) -> None:
    if activity.in_activity():
        activity.metric_meter().create_counter(name, description).add(1, labels)
