"""The demo history in a database of its own: four weeks of closed orders whose books agree
with one another as those of live orders do, listed by the API, and written once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import CreditNote, Invoice, Order, OrderEvent, OrderFeedback, Payment, ReturnRow, Shipment
from starter.dev.history import HistoryRefused, seed_history
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.bodies import order_body
from tests.support.database import fresh_database, ledger_drift
from tests.support.keys import api_client

NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
DAYS = 14


@pytest.fixture(scope="module")
def history(admin_url, settings):
    """Two of the four weeks (for time: the plan of four is tested in tests/unit), with the
    windows of the dev stack (minutes), written once."""
    with fresh_database(admin_url) as url:
        db = Database(url, pool_size=4)
        windows = {
            "pack_delay": timedelta(minutes=2),
            "delivery_sla": timedelta(minutes=2),
            "feedback_delay": timedelta(seconds=30),
            "return_window": timedelta(minutes=10),
        }
        dev_paced = settings.model_copy(update={"database_url": url, **windows})
        written = seed_history(db, dev_paced, now=NOW, days=DAYS)
        yield db, dev_paced, written
        db.dispose()


def test_four_weeks_of_orders_across_every_channel_all_closed(history):
    db, settings, written = history
    with db.reader() as s:
        orders = s.execute(select(Order.channel, Order.status, Order.created_at)).all()
    assert len(orders) == written > 4 * DAYS
    assert {channel for channel, _, _ in orders} == set(settings.channels)
    # Closed, so that their workflows are rightly gone: support's actions on them are refused.
    assert Counter(status for _, status, _ in orders).keys() == {"completed", "cancelled"}
    days = {created.date() for _, _, created in orders}
    assert len(days) >= DAYS and max(created for _, _, created in orders) < NOW


def test_delivered_orders_were_shipped_and_invoiced_for_what_was_captured(history):
    db, _, _ = history
    with db.reader() as s:
        completed = s.scalars(select(Order).where(Order.status == "completed")).all()
        for order in completed:
            shipments = s.scalars(select(Shipment).where(Shipment.order_id == order.id)).all()
            assert shipments and all(p.status == "delivered" and p.delivered_at for p in shipments), order.id
            invoiced = s.scalar(select(func.sum(Invoice.grand_total)).where(Invoice.order_id == order.id))
            captured = s.scalar(
                select(func.sum(Payment.amount)).where(
                    Payment.order_id == order.id, Payment.operation == "capture", Payment.status == "approved"
                )
            )
            assert invoiced == captured == order.grand_total, order.id


def test_late_parcels_were_flagged_and_their_alerts_resolved_on_delivery(history):
    db, _, _ = history
    with db.reader() as s:
        late = s.scalars(select(OrderEvent.order_id).where(OrderEvent.type == "delivery_late")).all()
        raised = s.scalar(select(func.count()).where(OrderEvent.type == "support_alerted"))
        resolved = s.scalar(select(func.count()).where(OrderEvent.type == "alert_resolved"))
    assert late and raised == resolved == len(late)


def test_refunds_of_returns_match_their_credit_notes(history):
    db, _, _ = history
    with db.reader() as s:
        returns = s.scalars(select(ReturnRow)).all()
        assert returns and all(r.status == "closed" and r.refunded > 0 for r in returns)
        for ret in returns:
            credited = s.scalar(
                select(func.sum(CreditNote.grand_total)).where(CreditNote.order_id == ret.order_id)
            )
            refunded = s.scalar(
                select(func.sum(Payment.amount)).where(
                    Payment.order_id == ret.order_id,
                    Payment.operation == "refund",
                    Payment.status == "approved",
                )
            )
            assert credited == refunded == ret.refunded, ret.id


def test_cancelled_orders_took_no_money_and_say_why(history):
    db, _, _ = history
    with db.reader() as s:
        cancelled = s.scalars(select(Order).where(Order.status == "cancelled")).all()
        assert cancelled and all(o.status_reason for o in cancelled)
        taken = s.scalar(
            select(func.count()).where(
                Payment.order_id.in_([o.id for o in cancelled]), Payment.operation == "capture"
            )
        )
    assert taken == 0
    assert any(o.status_reason.startswith("payment declined") for o in cancelled)


def test_invoice_numbers_have_no_gaps_and_follow_their_dates(history):
    db, _, _ = history
    with db.reader() as s:
        for model in (Invoice, CreditNote):
            rows = s.execute(select(model.year, model.sequence, model.issued_at).order_by(model.number)).all()
            for year in {y for y, _, _ in rows}:
                of_year = [(seq, at) for y, seq, at in rows if y == year]
                assert [seq for seq, _ in of_year] == list(range(1, len(of_year) + 1))
                assert [at for _, at in of_year] == sorted(at for _, at in of_year)


def test_the_stock_ledger_balances_and_feedback_is_rated(history):
    db, _, _ = history
    assert ledger_drift(db) == []
    with db.reader() as s:
        ratings = s.scalars(select(OrderFeedback.rating)).all()
    assert len(set(ratings)) >= 4
    assert Decimal(sum(ratings)) / len(ratings) > 3


async def test_the_orders_api_lists_them(history, dev_env):
    db, settings, written = history
    app = create_app(settings, Services(settings, dev_env.client, db))
    async with api_client(app, db) as api:
        page = (await api.get("/orders", params={"status": "completed", "limit": 5})).json()
        order = (await api.get(f"/orders/{page['items'][0]['id']}")).json()
    assert 0 < page["total"] < written
    kinds = {event["type"] for event in order["timeline"]}
    assert {"order_accepted", "invoice_issued", "parcel_delivered", "order_completed"} <= kinds


def test_writing_it_again_adds_nothing(history):
    db, settings, _ = history
    with db.reader() as s:
        before = s.scalar(select(func.count()).select_from(OrderEvent))
    assert seed_history(db, settings, now=NOW + timedelta(days=3)) == 0
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(OrderEvent)) == before


async def test_a_database_with_orders_of_its_own_gets_no_history(stack, db, catalog):
    """History written after live orders would number its invoices after theirs."""
    api, _, settings = stack
    placed = await api.post("/orders", json=order_body([(catalog({"MIL": 5}), 1)]))
    assert placed.status_code == 201, placed.text
    with pytest.raises(HistoryRefused):
        seed_history(db, settings)
