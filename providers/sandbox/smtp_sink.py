"""A local SMTP server that keeps what it receives: the dev stack's stand-in for the
customers' mailboxes, and what tests read. One file per Message-ID, so a message that
arrives twice is kept once; `received` counts every arrival, so tests can tell."""

from __future__ import annotations

import email
import email.policy
import hashlib
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from providers.mailer import ORDER_HEADER


class MailSink:
    """An aiosmtpd handler."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.received: list[EmailMessage] = []
        self.peers: list[Any] = []  # the client's address of each arrival: one per connection
        self.port = 0
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.peers.append(session.peer)
        if self.directory is not None:
            name = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:32]
            (self.directory / f"{name}.eml").write_bytes(raw)
        return "250 Message accepted for delivery"

    def for_order(self, order_id: str) -> list[EmailMessage]:
        return [m for m in self.received if m[ORDER_HEADER] == order_id]


def start_sink(host: str, port: int, directory: Path | None = None) -> tuple[Controller, MailSink]:
    sink = MailSink(directory)
    sink.port = port
    controller = Controller(sink, hostname=host, port=port)
    controller.start()
    return controller, sink


def read_mailbox(directory: Path, order_id: str | None = None) -> list[EmailMessage]:
    """The messages a sink kept on disk, oldest first."""
    files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime) if directory.exists() else []
    messages = []
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if order_id is None or message[ORDER_HEADER] == order_id:
            messages.append(message)
    return messages


def serve_until_interrupted(controller: Controller) -> None:
    """Run a started sink in the foreground until Ctrl-C (or SIGINT), then stop it."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
