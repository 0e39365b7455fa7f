"""Sending mail. SMTP has no idempotency of its own: every message carries a Message-ID
derived from Ordino's idempotency key, so a message sent again after a crash (sent, but not
yet marked sent) is the same message to any receiver that deduplicates by Message-ID.

A mail server that cannot be reached is an outage (providers.backoff.Unavailable): the step
that sends is retried with backoff until the server is back, and the worker logs it once."""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import socket
import threading
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
    """Keeps one SMTP connection per thread (the worker sends from its activity threads):
    opening one (TCP, the greeting, EHLO) costs both sides more than a message does. A kept
    connection the server has closed meanwhile, as servers do with idle clients, is opened
    again once; a connection in any doubt after a failure is not kept."""

    def __init__(self, host: str, port: int, timeout: float = 10) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._kept = threading.local()

    def send(self, message: EmailMessage) -> None:
        kept: smtplib.SMTP | None = getattr(self._kept, "smtp", None)
        if kept is not None:
            try:
                kept.send_message(message)
                return
            except _UNREACHABLE:
                self._drop()  # closed while idle: a new connection below
            except BaseException:
                self._drop()
                raise
        try:
            self._kept.smtp = smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            smtp.send_message(message)
        except _UNREACHABLE as err:
            self._drop()
            raise Unavailable(MAIL_SERVER, f"{self._host}:{self._port}: {err}") from err
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        smtp: smtplib.SMTP | None = getattr(self._kept, "smtp", None)
        self._kept.smtp = None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.close()
