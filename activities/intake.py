"""Accepting an order: price, tax, reserve stock and write the order, all in one unit of
work, so a rejected order leaves nothing behind and a retry changes nothing."""

from __future__ import annotations

import structlog
from sqlalchemy import insert
from temporalio import activity

from activities.failures import business_rules
from activities.pricing import price_order
from contracts.intake import AcceptOrderInput
from db import coupons, stock
from db.engine import Database
from db.models import Order, OrderLine
from db.reserving import allocate_and_reserve
from db.unit_of_work import UnitOfWork, run_once
from domain.errors import ErrorCode, OrdinoError
from domain.orders import AcceptedOrder
from domain.status import OrderStatus
from settings import ChannelConfig, Settings

log = structlog.get_logger()


class IntakeActivities:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    @activity.defn
    @business_rules
    def accept_order(self, inp: AcceptOrderInput) -> AcceptedOrder:
        req = inp.request
        channel = self._settings.channels.get(req.channel)
        if channel is None:
            raise OrdinoError(
                ErrorCode.UNKNOWN_CHANNEL, f"Unknown sales channel {req.channel!r}", {"channel": req.channel}
            )
        return run_once(self._db, req.order_id, "accepted", AcceptedOrder,
                        lambda uow: self._accept(uow, inp, channel))  # fmt: skip

    def _accept(self, uow: UnitOfWork, inp: AcceptOrderInput, channel: ChannelConfig) -> AcceptedOrder:
        req, s = inp.request, uow.session
        quote = price_order(s, req.basket, channel, self._settings.seller_country, inp.at)
        allocation = allocate_and_reserve(
            s,
            {line.sku: line.quantity for line in req.lines},
            req.shipping_address.country,
            lambda plan: stock.reserve(s, req.order_id, plan),
            channel.allocation_rules,
            channel.split_shipments,
            complete=not channel.allow_backorders,
        )
        status = OrderStatus.BACKORDERED if allocation.short else OrderStatus.ACCEPTED
        stock.backorder(s, req.order_id, allocation.short, inp.at)
        s.execute(
            insert(Order).values(
                id=req.order_id,
                channel=req.channel,
                external_id=req.external_id,
                customer_id=req.customer.id,
                customer_email=req.customer.email,
                customer_name=req.customer.name,
                shipping_address=req.shipping_address.model_dump(mode="json"),
                currency=req.currency,
                status=status.value,
                net_total=quote.net_total,
                tax_total=quote.tax_total,
                grand_total=quote.grand_total,
                quote=quote.model_dump(mode="json"),
                request_fingerprint=req.fingerprint(),
                created_at=inp.at,
                updated_at=inp.at,
            )
        )
        coupons.redeem(s, req.order_id, req.coupons, inp.at)
        s.execute(
            insert(OrderLine),
            [
                {"order_id": req.order_id, **line.model_dump(exclude={"sku"}), "sku": line.sku}
                for line in quote.lines
            ],
        )
        uow.record(
            req.order_id,
            "accepted",
            f"order_{status.value}",
            status,
            inp.at,
            actor=f"channel:{req.channel}",
            data={
                "grand_total": str(quote.grand_total),
                "reservations": [p.model_dump() for p in allocation.plan],
                "backordered": allocation.short,
            },
        )
        log.info("order accepted", order_id=req.order_id, total=str(quote.grand_total))
        return AcceptedOrder(
            order_id=req.order_id,
            channel=req.channel,
            external_id=req.external_id,
            customer_id=req.customer.id,
            status=status,
            quote=quote,
            reservations=sorted(allocation.plan, key=lambda r: (r.sku, r.warehouse)),
            backordered=allocation.short,
            request_fingerprint=req.fingerprint(),
            accepted_at=inp.at,
        )
