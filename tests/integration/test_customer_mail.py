"""Customer mail is sent once per order and event, however often the step runs, and a
message sent again after a crash (sent, not yet marked sent) carries the same Message-ID."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from activities.notifications import NotificationActivities
from contracts.notifications import NotifyInput
from db.models import CustomerNotification
from providers import mailer as mailer_module
from providers.backoff import Unavailable
from providers.mailer import SmtpMailer, compose, message_id
from providers.sandbox.smtp_sink import MailSink, start_sink
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.ports import free_port


async def test_a_retried_step_mails_once_and_a_crash_resends_the_same_message(
    stack, db, catalog, mail_sink, tmp_path: Path
):
    api, _, settings = stack
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)]))).json()["order_id"]
    await wait_for_status(api, order_id, "shipped")
    notifications = NotificationActivities(db, settings, SmtpMailer(settings.smtp_host, settings.smtp_port))
    step = NotifyInput(order_id=order_id, kind="parcel_delayed", subject_key="SBXTEST", at=datetime.now(UTC),
                       context={"tracking_number": "SBXTEST"})  # fmt: skip
    key = f"{order_id}:notify:parcel_delayed:SBXTEST"

    def arrived() -> list:
        return [m for m in mail_sink.for_order(order_id) if m["Message-ID"] == message_id(key)]

    notifications.notify_customer(step)
    notifications.notify_customer(step)  # a retry
    # The order's own worker may be sending its mails at the same moment and take this one
    # along (each unsent row goes out under its lock): it arrives once, from one of them.
    for _ in range(100):
        if arrived():
            break
        await asyncio.sleep(0.05)
    assert len(arrived()) == 1

    # The worker died after the SMTP server took the message, before the commit.
    with db.transaction() as s:
        s.execute(update(CustomerNotification).where(CustomerNotification.idempotency_key == key)
                  .values(sent_at=None))  # fmt: skip
    notifications.notify_customer(step)
    again = arrived()
    assert len(again) == 2 and again[0]["Message-ID"] == again[1]["Message-ID"]

    # A receiver that keeps messages by Message-ID, like the dev sink, keeps it once.
    controller, mailbox = start_sink("127.0.0.1", free_port(), tmp_path)
    try:
        resend = NotificationActivities(db, settings, SmtpMailer("127.0.0.1", mailbox.port))
        for _ in range(2):
            with db.transaction() as s:
                s.execute(update(CustomerNotification).where(CustomerNotification.idempotency_key == key)
                          .values(sent_at=None))  # fmt: skip
            resend.notify_customer(step)
    finally:
        controller.stop()
    assert len(mailbox.received) == 2 and len(list(tmp_path.glob("*.eml"))) == 1


def _message(n: int) -> EmailMessage:
    return compose(f"key-{n}", "test-order", "shop@example.com", "customer@example.com", f"#{n}", "Hello")


def test_the_mailer_keeps_its_connection_and_opens_it_again_after_the_server_dropped_it(
    tmp_path: Path,
) -> None:
    port = free_port()
    controller, sink = start_sink("127.0.0.1", port)
    mailer = SmtpMailer("127.0.0.1", port)
    try:
        for n in range(3):
            mailer.send(_message(n))
        assert len(sink.received) == 3
        assert len(set(sink.peers)) == 1  # one connection for all three
    finally:
        controller.stop()  # the server goes away, and the kept connection with it

    controller, again = start_sink("127.0.0.1", port)
    try:
        mailer.send(_message(3))
        assert [m["Subject"] for m in again.received] == ["#3"]
    finally:
        controller.stop()
    with pytest.raises(Unavailable):  # no server at all: an outage, retried by the step
        mailer.send(_message(4))


class ClosesIdleClients(MailSink):
    """A server like Postfix: to a client it deems idle, 421 and hang up."""

    def __init__(self) -> None:
        super().__init__()
        self.closing_next = False

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.closing_next:
            self.closing_next = False
            return "421 4.4.2 Timeout exceeded, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"


def test_a_kept_connection_the_server_closes_with_421_is_opened_again() -> None:
    port = free_port()
    sink = ClosesIdleClients()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    mailer = SmtpMailer("127.0.0.1", port)
    try:
        mailer.send(_message(1))
        sink.closing_next = True
        mailer.send(_message(2))  # 421 on the kept connection: sent on a new one
        assert [m["Subject"] for m in sink.received] == ["#1", "#2"]
        assert len(set(sink.peers)) == 2
    finally:
        controller.stop()


def test_a_connection_idle_for_long_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mailer_module, "KEEP_IDLE_SECONDS", 0.0)  # every pause is long
    port = free_port()
    controller, sink = start_sink("127.0.0.1", port)
    mailer = SmtpMailer("127.0.0.1", port)
    try:
        mailer.send(_message(1))
        mailer.send(_message(2))
        assert len(sink.received) == 2 and len(set(sink.peers)) == 2
    finally:
        controller.stop()
