"""The adapters behind the provider Protocols, as the settings name them. The worker asks
here for its carrier, payment gateway and mailer; a sandbox's code is loaded only when the
settings choose that sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import assert_never

from db.engine import Database
from providers.carrier import Carrier
from providers.mailer import Mailer, SmtpMailer
from providers.payment_gateway import PaymentGateway
from settings import Settings


def carrier(db: Database, settings: Settings) -> Carrier:
    match settings.carrier_adapter:
        case "sandbox":
            from providers.sandbox.carrier import SandboxCarrier

            return SandboxCarrier(db, settings.carrier_step_delay, clock=lambda: datetime.now(UTC))
    assert_never(settings.carrier_adapter)


def payment_gateway(db: Database, settings: Settings) -> PaymentGateway:
    match settings.payment_gateway_adapter:
        case "sandbox":
            from providers.sandbox.gateway import SandboxGateway

            return SandboxGateway(db)
    assert_never(settings.payment_gateway_adapter)


def mailer(settings: Settings) -> Mailer:
    """Mail goes out over SMTP wherever Ordino runs; the dev stack points it at its sink."""
    return SmtpMailer(settings.smtp_host, settings.smtp_port)
