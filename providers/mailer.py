"""Sending mail. SMTP has no idempotency of its own: every message carries a Message-ID
derived from Ordino's idempotency key, so a message sent again after a crash (sent, but not
yet marked sent) is the same message to any receiver that deduplicates by Message-ID.

A mail server that cannot be reached is an outage (providers.backoff.Unavailable): the step
that sends is retried with backoff until the server is back, and the worker logs it once."""

from __future__ import annotations

import hashlib
import smtplib
import socket
from email.message import EmailMessage
from typing import Protocol

from providers.backoff import MAIL_SERVER, Unavailable

MESSAGE_DOMAIN = "ordino.example"
ORDER_HEADER = "X-Ordino-Order"
# Not reached, or gone mid-conversation; a refused recipient or message is no outage.
_UNREACHABLE = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)


def message_id(idempotency_key: str) -> str:
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{MESSAGE_DOMAIN}>"


def compose(key: str, order_id: str, sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Message-ID"] = message_id(key)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg[ORDER_HEADER] = order_id
    msg.set_content(body)
    return msg


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, host: str, port: int, timeout: float = 10) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                smtp.send_message(message)
        except _UNREACHABLE as err:
            raise Unavailable(MAIL_SERVER, f"{self._host}:{self._port}: {err}") from err
