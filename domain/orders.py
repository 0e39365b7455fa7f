"""Order contracts: what a channel sends, what Ordino answers, what the workflow carries."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from domain.inputs import Text, Whole
from domain.money import Amount
from domain.quote import Quote
from domain.status import OrderStatus
from domain.tracking import ParcelPolicy
from domain.vat_numbers import VatId

ChannelCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]
ExternalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
SkuCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,40}$")]
WarehouseCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_-]{1,20}$")]
# A ticket or RMA number: short and plain, as it becomes part of idempotency keys.
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]
FROM_THE_KEY = "Set from the API key over HTTP: a value sent here is not used"
# Who did it: an API key's name and role, the CLI's user, "ordino". Over HTTP the key decides.
Actor = Annotated[str, Text(100), Field(description=FROM_THE_KEY)]
# The actor of what Ordino does by itself.
SYSTEM_ACTOR = "ordino"
NonBlank = Annotated[str, Text(200)]


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(Contract):
    name: NonBlank
    line1: NonBlank
    line2: Annotated[str, Text(200, min_length=0)] | None = None
    postal_code: Annotated[str, Text(12, min_length=2)]
    city: NonBlank
    region: Annotated[str, Text(64, min_length=0)] | None = None
    country: CountryCode


# A code people may type in any case: upper-cased before its pattern (written for capitals)
# is checked, and documented as accepting both. Only ASCII is upper-cased, so "ß" does
# not become "SS" and pass.
UPPER_ASCII = BeforeValidator(lambda v: v.upper() if isinstance(v, str) and v.isascii() else v)


def documented_any_case(pattern: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern.replace("A-Z", "A-Za-z")})


COUPON = r"^[A-Z0-9_-]{2,40}$"
CouponCode = Annotated[str, UPPER_ASCII, StringConstraints(pattern=COUPON), documented_any_case(COUPON)]


ADDRESS = r"\x21-\x3f\x41-\x7e"  # visible ASCII but @, for a character class


class Customer(Contract):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@+-]{1,64}$")]
    # Visible ASCII: no control character reaches the database, and the mail goes out over
    # SMTP without SMTPUTF8 (an IDN domain is written in its xn-- form).
    email: Annotated[
        str,
        StringConstraints(pattern=rf"^[{ADDRESS}]+@[{ADDRESS}]+\.[{ADDRESS}]+$", max_length=254),
    ]
    name: NonBlank
    # A business customer's VAT number: on a channel that sells to businesses, from another EU
    # member state than the seller's, it means reverse charge.
    vat_id: VatId | None = None


class OrderLineRequest(Contract):
    sku: SkuCode
    quantity: Whole = Field(gt=0, le=1000)


def each_once(message: str) -> AfterValidator:
    """A list validator: no SKU (of lines) or value (of codes) twice."""

    def check(values: list[Any]) -> list[Any]:
        keys = [getattr(v, "sku", v) for v in values]
        if len(keys) != len(set(keys)):
            raise ValueError(message)
        return values

    return AfterValidator(check)


ONE_LINE_PER_SKU = "each SKU may appear on one line only"
OrderLines = Annotated[
    list[OrderLineRequest],
    Field(min_length=1, max_length=100),
    each_once(ONE_LINE_PER_SKU),
]
Coupons = Annotated[list[CouponCode], Field(max_length=5), each_once("each coupon may be given once")]


class Basket(Contract):
    """What is priced: the body of POST /quotes, and the priced part of every order."""

    channel: ChannelCode
    shipping_address: Address
    lines: OrderLines
    currency: CurrencyCode
    coupons: Coupons = []
    vat_id: VatId | None = None


class OrderRequest(Contract):
    """What a channel orders, as the order's workflow gets it (the accept update): the body
    of POST /orders but its payment token, which is kept in PostgreSQL and never reaches
    Temporal (the payment steps read it there by the order id)."""

    channel: ChannelCode
    external_id: ExternalId
    customer: Customer
    shipping_address: Address
    lines: OrderLines
    currency: CurrencyCode
    coupons: Coupons = []

    @property
    def basket(self) -> Basket:
        return Basket(
            channel=self.channel,
            shipping_address=self.shipping_address,
            lines=self.lines,
            currency=self.currency,
            coupons=self.coupons,
            vat_id=self.customer.vat_id,
        )

    @property
    def order_id(self) -> str:
        return order_id_for(self.channel, self.external_id)

    def fingerprint(self) -> str:
        """Identifies what was ordered, so a reused external id with a new body is caught. A
        retry may reorder the lines or carry a fresh single-use payment token: same order."""
        content = self.model_dump(mode="json", exclude={"payment_token"})
        content["lines"] = sorted(content["lines"], key=lambda line: line["sku"])
        # Fields added later count only when used, so older orders keep their fingerprint.
        if not content["coupons"]:
            del content["coupons"]
        else:
            content["coupons"] = sorted(content["coupons"])
        if content["customer"]["vat_id"] is None:
            del content["customer"]["vat_id"]
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class PlaceOrder(OrderRequest):
    """The body of POST /orders."""

    payment_token: Annotated[str, Text(128)]

    def without_payment_token(self) -> OrderRequest:
        """What the order's workflow gets, once the token is kept (starter/operations/intake.py)."""
        return OrderRequest.model_construct(
            **{name: getattr(self, name) for name in OrderRequest.model_fields}
        )


def order_id_for(channel: str, external_id: str) -> str:
    # Channel codes cannot contain '-', so the id is unambiguous and readable.
    return f"{channel}-{external_id}"


# A return's workflow id (workflows.returns.return_workflow_id) of return id ORDER-R<n>.
class Reservation(Contract):
    sku: str
    warehouse: str
    quantity: int


class BackorderPolicy(StrEnum):
    CANCEL = "cancel"
    ALERT = "alert"


class ExpiredAuthorization(StrEnum):
    """What happens when an authorization runs out before the payment is captured."""

    REAUTHORIZE = "reauthorize"
    CANCEL = "cancel"


class AcceptedOrder(Contract):
    """What the channel gets back once the order is priced, taxed and its stock reserved."""

    order_id: str
    channel: str
    external_id: str
    customer_id: str
    status: OrderStatus
    quote: Quote
    reservations: list[Reservation]
    backordered: dict[str, int] = {}
    request_fingerprint: str
    accepted_at: datetime


class OrderStart(Contract):
    """The order workflow's input: identity and the deadlines in force when the order came
    in; the order's content arrives with the accept update."""

    order_id: str
    channel: str
    external_id: str
    # The customer as the Web UI shows and searches it (domain/pseudonyms.py).
    customer_search_id: str
    acceptance_timeout: timedelta
    return_window: timedelta
    backorder_wait_limit: timedelta = timedelta(days=14)
    backorder_policy: BackorderPolicy = BackorderPolicy.CANCEL
    backorder_recheck_interval: timedelta = timedelta(hours=1)
    customer_action_timeout: timedelta = timedelta(minutes=15)
    unpaid_order_expiry: timedelta = timedelta(days=3)
    authorization_validity: timedelta = timedelta(days=7)
    expired_authorization: ExpiredAuthorization = ExpiredAuthorization.REAUTHORIZE
    # Returns: how long support may take to decide, how long the parcel may take to come
    # back, up to which value (in the order's currency) a return needs no person, and
    # whether the original shipping is refunded when the whole order comes back.
    return_decision_timeout: timedelta = timedelta(days=7)
    return_receipt_timeout: timedelta = timedelta(days=30)
    return_auto_approve_limit: Decimal = Decimal(100)
    refund_shipping_on_full_return: bool = True
    delivery_sla: timedelta = timedelta(days=5)
    failed_parcel_policy: ParcelPolicy = ParcelPolicy.RESHIP
    feedback_delay: timedelta = timedelta(days=3)
    # While packing, how often the order looks in the database for parcels packed by a
    # confirmation whose workflow task was lost.
    pack_recheck_interval: timedelta = timedelta(minutes=10)


class OrderOutcome(Contract):
    order_id: str
    status: OrderStatus
    reason: str | None = None


class RefundRequest(Contract):
    """A refund support grants (goodwill); the reference (a ticket) makes it idempotent."""

    amount: Annotated[Amount, Field(gt=0)]
    reason: Annotated[str, Text(200, min_length=3)]
    reference: Reference
    actor: Actor = "support"
    # Support's limit on the goodwill an order gets in all; none for finance. Over HTTP the
    # key decides (a value sent is not used).
    limit: Annotated[Amount, Field(gt=0, description=FROM_THE_KEY)] | None = None


class OrderProgress(Contract):
    """What the workflow knows right now (the order's query)."""

    order_id: str
    status: OrderStatus
    parcels: dict[str, str]
    invoice_number: str | None
    # Warehouses still picking and packing this order's parcels.
    packing: list[str] = []
    late: bool = False
    # The step the order is parked on, and why, until support retries it.
    parked: str | None = None


class ParkedStepRetry(Contract):
    """Support fixed what a parked step kept failing on and asks the order to run it again."""

    actor: Actor = "support"


class RetriedStep(Contract):
    order_id: str
    # The step that was parked, and why.
    step: str


class PackConfirmation(Contract):
    """A warehouse has picked and packed the order's parcel."""

    warehouse: WarehouseCode
    actor: Actor = "warehouse"


class AddressCorrection(Contract):
    """Support corrects the shipping address of an order the carrier could not book."""

    address: Address
    actor: Actor = "support"


class FeedbackRequest(Contract):
    """The body of POST /orders/{id}/feedback."""

    rating: Whole = Field(ge=1, le=5)
    comment: Annotated[str, Text(2000, min_length=0, multiline=True)] | None = None


class PaymentOutcome(Contract):
    approved: bool
    reference: str | None = None
    amount: Decimal
    decline_code: str | None = None
    message: str | None = None
    # The gateway waits for the customer or their transfer; a payment webhook settles it.
    pending: bool = False
    # Pending on the customer's money (a bank transfer: days), not on what they do at
    # checkout (3-D Secure: minutes).
    deferred: bool = False


class PaymentEvent(BaseModel):
    """A payment provider's webhook: how a pending payment ended."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Annotated[str, Text(100)]
    reference: Annotated[str, Text(100)]
    status: Literal["approved", "declined"]
    decline_code: Annotated[str, Text(100)] | None = None


class InvoiceIssued(Contract):
    number: str
    total: Decimal


class ShipmentBooked(Contract):
    shipment_id: str
    carrier: str
    tracking_number: str
