"""Telling the customer: one message per order and event, rendered from a template and
written to the outbox in PostgreSQL, then sent over SMTP and marked sent.

Exactly once, as far as SMTP allows: the outbox row is written once per order and event
(an effect under that key), and a row is sent while its lock is held, then marked sent in
the same transaction, so concurrent attempts never both send it. A crash after the send but
before the commit leaves the row unsent and it is sent again, with the same Message-ID,
which receivers deduplicate by."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Table, bindparam, select, update
from temporalio import activity

from activities.failures import business_rules
from activities.worker_metrics import MAILS_SENT, count
from contracts.notifications import NotifyInput
from db.engine import Database
from db.models import CustomerNotification
from db.unit_of_work import UnitOfWork, run_once
from providers.mailer import Mailer, compose
from settings import Settings

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "mail_templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

# What a cancellation reason means to a customer.
ANOTHER_CARD = "another card may work"
REASONS: dict[str, tuple[str, str | None]] = {
    "payment declined: card_declined": ("your bank declined the card payment.", ANOTHER_CARD),
    "payment declined: insufficient_funds": ("your bank reported insufficient funds.", ANOTHER_CARD),
    "payment declined: authentication_failed": ("the card's security check (3-D Secure) failed.", None),
    "payment not completed: the customer did not authenticate in time": (
        "the card's security check (3-D Secure) was not completed in time.",
        None,
    ),
    "unpaid: the bank transfer did not arrive in time": ("your bank transfer did not arrive in time.", None),
    "backorder wait limit reached": ("the items did not come back in stock in time.", None),
    "payment authorization expired": ("the payment authorization expired before we could ship.", None),
    "capture failed: authorization_expired": (
        "your bank no longer honoured the payment authorization.",
        None,
    ),
}


# Built once (as the unit of work's, db/unit_of_work.py): the order's next message not sent,
# locked, skipping one another attempt is sending; and marking it sent.
_OUTBOX = cast(Table, CustomerNotification.__table__)
_NEXT_UNSENT = (
    select(_OUTBOX.c.id, _OUTBOX.c.idempotency_key, _OUTBOX.c.kind, _OUTBOX.c.recipient, _OUTBOX.c.subject,
           _OUTBOX.c.body)
    .where(_OUTBOX.c.order_id == bindparam("order_id"), _OUTBOX.c.sent_at.is_(None),
           _OUTBOX.c.id > bindparam("after"))
    .order_by(_OUTBOX.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)  # fmt: skip
_MARK_SENT = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("sent_id")).values(sent_at=bindparam("sent_at"))


class NotificationActivities:
    def __init__(self, db: Database, settings: Settings, mailer: Mailer) -> None:
        self._db = db
        self._settings = settings
        self._mailer = mailer

    def _render(self, kind: str, context: dict[str, Any]) -> tuple[str, str]:
        text = TEMPLATES.get_template(f"{kind}.txt").render(**context)
        subject_line, _, body = text.partition("\n\n")
        return subject_line.removeprefix("Subject: ").strip(), body

    def _links(self, order_id: str, context: dict[str, Any]) -> dict[str, str]:
        links = {"feedback_url": self._settings.feedback_url(order_id)}
        if "tracking_number" in context:
            links["tracking_url"] = self._settings.tracking_url(context["tracking_number"])
        return links

    @activity.defn
    @business_rules
    def notify_customer(self, inp: NotifyInput) -> None:
        key = f"{inp.order_id}:notify:{inp.kind}" + (f":{inp.subject_key}" if inp.subject_key else "")
        run_once(self._db, inp.order_id, key, None, lambda uow: self._write(uow, inp, key))
        self._send_unsent(inp.order_id)

    def _write(self, uow: UnitOfWork, inp: NotifyInput, key: str) -> None:
        """The message into the outbox, rendered once."""
        order = uow.order(inp.order_id)
        reason_text, hint = REASONS.get(inp.reason or "", (inp.reason or "", None))
        subject, body = self._render(inp.kind, {
            "order": order, "reason_text": reason_text, "retry_hint": hint, "charged": inp.charged,
            "seller": self._settings.seller_name, **self._links(order.id, inp.context), **inp.context,
        })  # fmt: skip
        uow.session.add(CustomerNotification(order_id=order.id, idempotency_key=key, kind=inp.kind,
                                             recipient=order.customer_email, subject=subject, body=body,
                                             created_at=inp.at))  # fmt: skip
        uow.record(
            order.id, key, "customer_notified", None, inp.at, data={"kind": inp.kind, "subject": subject}
        )

    def _send_unsent(self, order_id: str) -> None:
        """Send the order's messages not sent yet, oldest first, each under its row lock and
        marked sent in the transaction that holds the lock."""
        after = 0
        while True:
            with self._db.transaction() as s:
                conn = s.connection()
                row = conn.execute(_NEXT_UNSENT, {"order_id": order_id, "after": after}).one_or_none()
                if row is None:
                    return  # all sent, or being sent by another attempt right now
                after = row.id
                self._mailer.send(compose(row.idempotency_key, order_id, self._settings.mail_from,
                                          row.recipient, row.subject, row.body))  # fmt: skip
                count(MAILS_SENT, "Customer mails handed to the SMTP server", {"kind": row.kind})
                conn.execute(_MARK_SENT, {"sent_id": row.id, "sent_at": datetime.now(UTC)})
