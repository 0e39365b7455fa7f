"""The one settings object. Every value can be set by an ORDINO_* environment variable."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.allocation import DEFAULT_RULES, AllocationRule
from domain.feedback_links import feedback_token
from domain.orders import BackorderPolicy, ExpiredAuthorization, OrderRequest, OrderStart
from domain.pseudonyms import customer_search_id
from domain.tracking import JOURNEY, ParcelPolicy, TrackingStatus
from providers.backoff import Backoff

# An HMAC is as strong as its secret: a short one is found by trying.
MIN_SECRET_LENGTH = 16
DEV_SECRETS = {
    "carrier": "ordino-dev-carrier-secret",
    "payments": "ordino-dev-payments-secret",
    "links": "ordino-dev-link-secret",
}


class ChannelConfig(BaseModel):
    """How a sales channel sells: EU consumer shops show tax-inclusive prices; some
    channels take orders for stock that has not arrived yet."""

    prices_include_tax: bool = True
    # Whether its customers are businesses, whose VAT number can mean reverse charge. A consumer
    # shop charges VAT whatever number is typed into its checkout.
    sells_to_businesses: bool = False
    allow_backorders: bool = False
    # After the wait limit a backorder is cancelled (with compensation) or support is alerted.
    backorder_policy: BackorderPolicy = BackorderPolicy.CANCEL
    allocation_rules: tuple[AllocationRule, ...] = DEFAULT_RULES
    split_shipments: bool = True
    # None: the general return window applies.
    return_window: timedelta | None = None


def _default_channels() -> dict[str, ChannelConfig]:
    return {
        "webshop": ChannelConfig(prices_include_tax=True),
        "marketplace": ChannelConfig(prices_include_tax=True),
        "phone": ChannelConfig(prices_include_tax=True, allow_backorders=True),
        "b2b": ChannelConfig(prices_include_tax=False, sells_to_businesses=True),
        # A US storefront: prices before sales tax, which is added per state at checkout.
        "us_web": ChannelConfig(prices_include_tax=False),
    }


class MissingSecret(ValueError):
    """A key a process needs is not set: it stops at start-up with this, naming the settings."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDINO_", env_nested_delimiter="__")

    # Where things run. No database URL means: start the embedded PostgreSQL.
    database_url: str | None = None
    data_dir: Path = Path(".data")
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "orders"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_ui_port: int = 8233
    api_base_url: str = "http://127.0.0.1:8000"
    # Secrets, one list per webhook sender: each signs with the first of its list, and
    # Ordino accepts any, so a new secret goes first and the old one leaves once senders have
    # moved on. The link secret signs the feedback links in mails. The built-in values are for
    # the dev stack and the tests: anything else refuses to start with them.
    carrier_webhook_secrets: list[str] = [DEV_SECRETS["carrier"]]
    payment_webhook_secrets: list[str] = [DEV_SECRETS["payments"]]
    link_secret: str = DEV_SECRETS["links"]
    # Set by the dev stack, the tests and the benchmarks, where the built-in secrets are fine.
    dev_secrets_allowed: bool = False
    # Workflow payloads reach Temporal encrypted (AES-GCM, runtime/payload_codec.py): new ones
    # with the current key, old ones opened with the key each names. Keys are base64 of 32
    # random bytes, by id; rotating adds a key and makes it current, and keeps the old ones
    # while histories sealed with them live. No default: a process that talks to Temporal
    # stops at start-up without them (`ordino dev` keeps its own in data_dir).
    codec_key_id: str | None = None
    codec_keys: dict[str, SecretStr] = {}
    # Keys the pseudonym that stands for a customer id that is an e-mail address wherever
    # Temporal shows it (domain/pseudonyms.py). Never rotated: a new key means new pseudonyms,
    # and the Web UI no longer finds older orders by the customer.
    customer_pseudonym_key: SecretStr | None = None
    # The origin of the Temporal Web UI, the one the codec server answers in a browser (CORS).
    # Unset: http://localhost:<temporal_ui_port> (or 127.0.0.1), where `ordino dev` serves it.
    temporal_ui_origin: str | None = None

    # Logs: console for people, JSON for machines.
    log_format: str = "console"
    log_level: str = "INFO"
    # Where the worker serves the Temporal SDK's Prometheus metrics (host:port, /metrics) and
    # its own /health and /ready. Off unless set (an empty value is off too): one process may
    # run several workers (the tests do), and two exporters cannot share a port. `ordino dev`
    # sets 127.0.0.1:9464 and 127.0.0.1:9465.
    worker_metrics: str | None = None
    worker_health: str | None = None

    # Business rules.
    channels: dict[str, ChannelConfig] = _default_channels()
    # Where the seller is registered for VAT: decides reverse charge for EU business customers.
    seller_country: str = "IT"
    invoice_series: str = "INV"
    credit_note_series: str = "CN"
    seller_name: str = "Ordino Demo Store S.r.l."
    seller_vat_id: str = "IT01234560157"

    # Every deadline is a setting.
    return_window: timedelta = timedelta(days=30)
    return_decision_timeout: timedelta = timedelta(days=7)
    return_receipt_timeout: timedelta = timedelta(days=30)
    # Returns worth up to this much (in the order's currency) are approved without support,
    # as are those whose reason is the seller's fault (damaged, wrong item, not as described).
    return_auto_approve_limit: Decimal = Decimal(100)
    refund_shipping_on_full_return: bool = True
    # Support grants goodwill refunds up to this much (in the order's currency); finance, any.
    support_refund_limit: Decimal = Decimal(100)
    # How long a console sign-in lasts before it asks for the key again.
    console_session: timedelta = timedelta(hours=8)
    backorder_wait_limit: timedelta = timedelta(days=14)
    # How often a waiting backorder looks at the stock itself, in case a wake-up was lost.
    backorder_recheck_interval: timedelta = timedelta(hours=1)
    # How long a 3-D Secure challenge may take, and how long a bank transfer may take to arrive.
    customer_action_timeout: timedelta = timedelta(minutes=15)
    unpaid_order_expiry: timedelta = timedelta(days=3)
    # Card authorizations lapse (commonly after 7 days); past that, authorize again or cancel.
    authorization_validity: timedelta = timedelta(days=7)
    expired_authorization: ExpiredAuthorization = ExpiredAuthorization.REAUTHORIZE
    acceptance_timeout: timedelta = timedelta(minutes=5)
    # How long an HTTP request may take before it is answered 503 timed_out: an order whose
    # worker is down would otherwise keep the caller (and the connection) forever.
    http_request_timeout: timedelta = timedelta(seconds=30)
    # A parcel not delivered this long after booking flags the order late and alerts support.
    delivery_sla: timedelta = timedelta(days=5)
    # A lost, damaged or returned parcel is sent again (once; then refunded) or refunded.
    failed_parcel_policy: ParcelPolicy = ParcelPolicy.RESHIP
    # How long after delivery the customer is asked for feedback.
    feedback_delay: timedelta = timedelta(days=3)
    # While an order is packed, how often it checks the database for a confirmation it missed.
    pack_recheck_interval: timedelta = timedelta(minutes=10)

    # Customer mail goes out over SMTP; the dev stack and the tests run a local sink.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "Ordino Demo Store <orders@ordino.example>"
    # Where the dev stack's SMTP sink keeps what it receives (below data_dir).
    mailbox_dir: str = "mailbox"

    # Which adapter stands behind the carrier and the payment gateway (providers/adapters.py).
    # The sandboxes (providers/sandbox/) are the only ones so far: a real carrier or gateway
    # adds its name here and its branch there.
    carrier_adapter: Literal["sandbox"] = "sandbox"
    payment_gateway_adapter: Literal["sandbox"] = "sandbox"

    # Sandbox carrier: how long each hop of a parcel takes in the dev stack.
    carrier_step_delay: timedelta = timedelta(seconds=5)
    carrier_poll_interval: timedelta = timedelta(seconds=1)
    # The milestones the sandbox carrier reports; the benchmark reports delivery alone.
    carrier_journey: tuple[TrackingStatus, ...] = JOURNEY
    # Sandbox warehouse: how long picking and packing takes in the dev stack, and the API key
    # it confirms packing with, per warehouse (the dev stack makes them).
    pack_delay: timedelta = timedelta(seconds=5)
    sandbox_warehouse_keys: dict[str, str] = {}

    # Outages. Whatever waits for the database, Temporal or the mail server to come back
    # tries again after a delay that doubles from the initial one up to the maximum.
    retry_backoff_initial: timedelta = timedelta(milliseconds=500)
    retry_backoff_max: timedelta = timedelta(seconds=15)
    # How often the worker asks Temporal whether it is there, so an outage shows in its log.
    health_check_interval: timedelta = timedelta(seconds=10)
    # How long the API and the CLI wait for a workflow to answer an update before they give
    # up with 503 update_timeout (the update may still happen: send it again as it was).
    # Shorter than http_request_timeout, so the caller hears this coded answer first.
    update_timeout: timedelta = timedelta(seconds=20)

    # Worker tuning.
    # Threads run sync activities; beyond ~16 they mostly wait for the GIL on 2 cores.
    max_concurrent_activities: int = 16
    # Temporal's workflow sandbox checks at run time that workflow code reads no clock,
    # randomness or I/O, at about three times the CPU of an order's workflow side
    # (bench/workflow_replay.py). The tests run every workflow in it (with the replay tests,
    # the determinism guard); the worker runs without it unless this is set.
    workflow_sandbox: bool = False
    # Order workflows a worker keeps in memory between their tasks (the SDK's sticky cache).
    # One past it is evicted and replayed from its history when it next wakes; see
    # docs/performance.md, Many open orders, for what each costs.
    max_cached_workflows: int = 1000

    def feedback_url(self, order_id: str) -> str:
        """The feedback form of one order, signed for it (sent in the feedback mail)."""
        token = feedback_token(self.link_secret, order_id)
        return f"{self.api_base_url}/orders/{order_id}/feedback?token={token}"

    def tracking_url(self, tracking_number: str) -> str:
        """Where a customer follows a parcel (sent in the shipment mail)."""
        return f"{self.api_base_url}/shipments/{tracking_number}"

    def order_start(self, order: OrderRequest, channel: ChannelConfig) -> OrderStart:
        """What an order's workflow starts with: its identity and the deadlines in force when
        it came in. Every deadline is the setting of the same name, except where the channel
        has its own (return window, backorder policy)."""
        identity: dict[str, object] = {
            "order_id": order.order_id, "channel": order.channel, "external_id": order.external_id,
            "customer_search_id": self.customer_search_id(order.customer.id),
        }  # fmt: skip
        by_channel: dict[str, object] = {
            "return_window": self.return_window if channel.return_window is None else channel.return_window,
            "backorder_policy": channel.backorder_policy,
        }
        general = OrderStart.model_fields.keys() - identity.keys() - by_channel.keys()
        deadlines = {name: getattr(self, name) for name in general}
        return OrderStart.model_validate(identity | deadlines | by_channel)

    def refuse_dev_secrets(self) -> None:
        """Outside the dev stack, a built-in secret would let anyone sign a webhook: refuse."""
        built_in = set(DEV_SECRETS.values())
        used = {*self.carrier_webhook_secrets, *self.payment_webhook_secrets, self.link_secret}
        if not self.dev_secrets_allowed and used & built_in:
            raise SystemExit(
                "Ordino will not run with a built-in secret: set ORDINO_CARRIER_WEBHOOK_SECRETS, "
                "ORDINO_PAYMENT_WEBHOOK_SECRETS and ORDINO_LINK_SECRET (or ORDINO_DEV_SECRETS_ALLOWED=true "
                "on a machine of your own)"
            )
        if not self.carrier_webhook_secrets or not self.payment_webhook_secrets:
            raise SystemExit("Each webhook sender needs at least one secret")
        if any(len(secret) < MIN_SECRET_LENGTH for secret in used):
            raise SystemExit(
                f"A secret shorter than {MIN_SECRET_LENGTH} characters is guessed: make it longer"
            )

    def customer_search_id(self, customer_id: str) -> str:
        """The customer as Temporal shows and searches it: the id, or its pseudonym."""
        return customer_search_id(customer_id, self.pseudonym_key)

    def pseudonym_key(self) -> bytes:
        if self.customer_pseudonym_key is None:
            raise MissingSecret(
                "ORDINO_CUSTOMER_PSEUDONYM_KEY is not set: the Web UI shows a customer id that is an "
                "e-mail address by a pseudonym keyed with it (docs/operations.md, Keys)"
            )
        return self.customer_pseudonym_key.get_secret_value().encode()

    @property
    def ui_origins(self) -> list[str]:
        """Where the Web UI runs: as set, or the dev server's UI by either local name."""
        if self.temporal_ui_origin:
            return [self.temporal_ui_origin]
        return [f"http://{host}:{self.temporal_ui_port}" for host in ("localhost", "127.0.0.1")]

    def retry_backoff(self) -> Backoff:
        return Backoff(self.retry_backoff_initial.total_seconds(), self.retry_backoff_max.total_seconds())

    @property
    def carrier_webhook_url(self) -> str:
        return f"{self.api_base_url}/webhooks/carrier"


@lru_cache
def get_settings() -> Settings:
    return Settings()
