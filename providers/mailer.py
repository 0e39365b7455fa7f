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
import time
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


# A kept connection older than this since its last message is opened anew rather than
# trusted: servers close idle clients (Postfix after 300 s), and a NAT may drop one silently.
KEEP_IDLE_SECONDS = 30.0


def _closed_by_server(err: BaseException | None) -> bool:
    """The server ended a kept connection: it hung up, or said 421 (closing) first."""
    if isinstance(err, smtplib.SMTPResponseException):
        return err.smtp_code == 421
    return isinstance(err, (smtplib.SMTPServerDisconnected, ConnectionError))


class SmtpMailer:
    """Keeps one SMTP connection per thread (the worker sends from its activity threads):
    opening one (TCP, the greeting, EHLO) costs both sides more than a message does. One
    idle for long is not reused, and one the server closed meanwhile is opened again once;
    a connection in any doubt after a failure is not kept."""

    def __init__(self, host: str, port: int, timeout: float = 10) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._kept = threading.local()

    def send(self, message: EmailMessage) -> None:
        kept = self._fresh_kept()
        if kept is not None:
            try:
                return self._send_on(kept, message)
            except (Unavailable, smtplib.SMTPResponseException) as err:
                if not _closed_by_server(err.__cause__ if isinstance(err, Unavailable) else err):
                    raise
        self._send_on(self._open(), message)

    def _open(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        except _UNREACHABLE as err:
            raise self._outage(err) from err
        self._kept.smtp = smtp
        return smtp

    def _send_on(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            smtp.send_message(message)
        except _UNREACHABLE as err:
            self._drop()
            raise self._outage(err) from err
        except BaseException:
            self._drop()
            raise
        self._kept.used = time.monotonic()

    def _fresh_kept(self) -> smtplib.SMTP | None:
        smtp: smtplib.SMTP | None = getattr(self._kept, "smtp", None)
        if smtp is not None and time.monotonic() - self._kept.used > KEEP_IDLE_SECONDS:
            self._drop()
            return None
        return smtp

    def _outage(self, err: BaseException) -> Unavailable:
        return Unavailable(MAIL_SERVER, f"{self._host}:{self._port}: {err}")

    def _drop(self) -> None:
        smtp: smtplib.SMTP | None = getattr(self._kept, "smtp", None)
        self._kept.smtp = None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.close()
