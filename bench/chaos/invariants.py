"""What must hold once every order has ended, read from PostgreSQL (Ordino's books and the
sandbox gateway's and carrier's own), the mail sink's mailbox and Temporal. Each check
names the orders (or documents, or stock rows) that break it."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from bench.chaos.load import Cancel, Outcome
from bench.chaos.mailsink import ARRIVALS
from providers.mailer import message_id

TERMINAL = ("completed", "cancelled", "rejected")


@dataclass
class Offence:
    subject: str  # an order id, a document series, a SKU at a warehouse
    detail: str


@dataclass
class Check:
    name: str
    rule: str
    offences: list[Offence] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.offences

    def add(self, subject: str, detail: str) -> None:
        self.offences.append(Offence(subject, detail))


def order_of(key: str) -> str:
    """Every idempotency key starts with the order id (which holds no ':')."""
    return key.split(":", 1)[0]


def rows(conn: psycopg.Connection[Any], sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    return conn.execute(sql, list(params)).fetchall()


# --- PostgreSQL -----------------------------------------------------------------------


def orders_terminal(conn: psycopg.Connection[Any]) -> Check:
    check = Check("orders terminal (database)", "every order is completed, cancelled or rejected")
    for oid, status, reason in rows(
        conn,
        "SELECT id, status, status_reason FROM orders WHERE status <> ALL(%s) ORDER BY id",
        [list(TERMINAL)],
    ):
        check.add(oid, f"status {status}" + (f" ({reason})" if reason else ""))
    return check


def accepted_stored(conn: psycopg.Connection[Any], outcomes: list[Outcome]) -> Check:
    check = Check("accepted = stored", "orders answered 200/201 are exactly the orders stored")
    stored = {oid for (oid,) in rows(conn, "SELECT id FROM orders")}
    for o in outcomes:
        if o.status_code is None:
            check.add(o.order_id, f"no answer but errors and 5xx after {o.attempts} attempts")
        elif o.accepted and o.order_id not in stored:
            check.add(o.order_id, f"answered {o.status_code} ({o.answered_status}) but not stored")
        elif not o.accepted and o.order_id in stored:
            check.add(o.order_id, f"answered {o.status_code} {o.code} but stored")
    known = {o.order_id for o in outcomes}
    for oid in sorted(stored - known):
        check.add(oid, "stored, never placed by this run")
    return check


def captures_invoiced(conn: psycopg.Connection[Any]) -> Check:
    check = Check(
        "capture ⇔ invoice",
        "each capture the gateway approved has one invoice for exactly its amount, "
        "and each invoice a capture",
    )
    for key, amount, numbers, totals in rows(
        conn,
        """SELECT t.idempotency_key, t.amount,
                  array_remove(array_agg(i.number), NULL), array_remove(array_agg(i.grand_total), NULL)
           FROM sandbox_gateway_transactions t LEFT JOIN invoices i ON i.payment_reference = t.reference
           WHERE t.operation = 'capture' AND t.status = 'approved'
           GROUP BY t.reference, t.idempotency_key, t.amount ORDER BY t.idempotency_key""",
    ):
        if not numbers:
            check.add(order_of(key), f"capture {key} ({amount:.2f}) has no invoice")
        elif len(numbers) > 1:
            check.add(order_of(key), f"capture {key} invoiced {len(numbers)} times: {', '.join(numbers)}")
        elif totals[0] != amount:
            check.add(
                order_of(key), f"capture {key} took {amount:.2f}, invoice {numbers[0]} says {totals[0]:.2f}"
            )
    for number, oid, ref in rows(
        conn,
        """SELECT i.number, i.order_id, i.payment_reference FROM invoices i
           WHERE NOT EXISTS (SELECT 1 FROM sandbox_gateway_transactions t
                             WHERE t.reference = i.payment_reference
                               AND t.operation = 'capture' AND t.status = 'approved')
           ORDER BY i.number""",
    ):
        check.add(oid, f"invoice {number} has no approved capture ({ref})")
    return check


def cancelled_refunded(conn: psycopg.Connection[Any]) -> Check:
    check = Check(
        "cancelled ⇒ money back",
        "on a cancelled order every capture is refunded in full and no authorization is left open",
    )
    for oid, key, captured, refunded in rows(
        conn,
        """SELECT o.id, c.idempotency_key, c.amount,
                  COALESCE(SUM(r.amount) FILTER (WHERE r.status = 'approved'), 0)
           FROM orders o
           JOIN sandbox_gateway_transactions c ON split_part(c.idempotency_key, ':', 1) = o.id
                AND c.operation = 'capture' AND c.status = 'approved'
           LEFT JOIN sandbox_gateway_transactions r
                ON r.parent_reference = c.reference AND r.operation = 'refund'
           WHERE o.status = 'cancelled'
           GROUP BY o.id, c.idempotency_key, c.amount
           HAVING c.amount <> COALESCE(SUM(r.amount) FILTER (WHERE r.status = 'approved'), 0)
           ORDER BY o.id""",
    ):
        check.add(oid, f"capture {key} took {captured:.2f}, refunded {refunded:.2f}")
    for oid, key, amount in rows(
        conn,
        """SELECT o.id, a.idempotency_key, a.amount FROM orders o
           JOIN sandbox_gateway_transactions a ON split_part(a.idempotency_key, ':', 1) = o.id
                AND a.operation = 'authorize' AND a.status = 'approved'
           WHERE o.status IN ('cancelled', 'rejected')
             AND NOT EXISTS (SELECT 1 FROM sandbox_gateway_transactions x
                             WHERE x.parent_reference = a.reference
                               AND (x.operation = 'void'
                                    OR (x.operation = 'capture' AND x.status = 'approved')))
           ORDER BY o.id""",
    ):
        check.add(oid, f"authorization {key} ({amount:.2f}) neither voided nor captured")
    return check


def refunds_within_captures(conn: psycopg.Connection[Any]) -> Check:
    check = Check(
        "refunds ≤ captures",
        "no capture refunded beyond its amount, no invoice credited beyond its total, "
        "each refund has its credit note and each credit note its refund",
    )
    for key, captured, refunded in rows(
        conn,
        """SELECT c.idempotency_key, c.amount, SUM(r.amount) FROM sandbox_gateway_transactions c
           JOIN sandbox_gateway_transactions r ON r.parent_reference = c.reference
                AND r.operation = 'refund' AND r.status = 'approved'
           WHERE c.operation = 'capture'
           GROUP BY c.idempotency_key, c.amount HAVING SUM(r.amount) > c.amount""",
    ):
        check.add(order_of(key), f"capture {key} took {captured:.2f}, refunded {refunded:.2f}")
    for number, oid, total, credited in rows(
        conn,
        """SELECT i.number, i.order_id, i.grand_total, SUM(c.grand_total) FROM invoices i
           JOIN credit_notes c ON c.invoice_number = i.number
           GROUP BY i.number, i.order_id, i.grand_total HAVING SUM(c.grand_total) > i.grand_total""",
    ):
        check.add(oid, f"invoice {number} of {total:.2f} credited {credited:.2f}")
    for key, amount in rows(
        conn,
        """SELECT r.idempotency_key, r.amount FROM sandbox_gateway_transactions r
           WHERE r.operation = 'refund' AND r.status = 'approved'
             AND NOT EXISTS (SELECT 1 FROM credit_notes c WHERE c.refund_reference = r.reference)""",
    ):
        check.add(order_of(key), f"refund {key} ({amount:.2f}) has no credit note")
    for number, oid in rows(
        conn,
        """SELECT c.number, c.order_id FROM credit_notes c WHERE NOT EXISTS (
             SELECT 1 FROM sandbox_gateway_transactions r WHERE r.reference = c.refund_reference
             AND r.operation = 'refund' AND r.status = 'approved')""",
    ):
        check.add(oid, f"credit note {number} has no approved refund")
    return check


def numbers_gap_free(conn: psycopg.Connection[Any]) -> Check:
    check = Check("numbers gap-free", "invoice and credit note numbers run 1..n per series and year")
    for table in ("invoices", "credit_notes"):
        for series, year, missing in rows(
            conn,
            f"""SELECT s.series, s.year, array_agg(g.n ORDER BY g.n)
                FROM (SELECT series, year, max(sequence) AS top FROM {table} GROUP BY series, year) s,
                     generate_series(1, s.top) AS g(n)
                WHERE NOT EXISTS (SELECT 1 FROM {table} d WHERE d.series = s.series AND d.year = s.year
                                  AND d.sequence = g.n)
                GROUP BY s.series, s.year""",
        ):
            check.add(f"{series}-{year}", f"{table}: numbers missing: {missing[:20]}")
        for series, year, last, top in rows(
            conn,
            f"""SELECT c.series, c.year, c.last_number, max(d.sequence) FROM invoice_counters c
                JOIN {table} d ON d.series = c.series AND d.year = c.year
                GROUP BY c.series, c.year, c.last_number HAVING c.last_number <> max(d.sequence)""",
        ):
            check.add(f"{series}-{year}", f"{table}: counter at {last}, highest number issued {top}")
    return check


def stock_balanced(conn: psycopg.Connection[Any]) -> Check:
    check = Check(
        "stock = ledger",
        "on hand and reserved equal the ledger's sums, reserved equals the open reservations, "
        "and no closed order holds stock",
    )
    for sku, wh, on_hand, reserved, ledger_on_hand, ledger_reserved in rows(
        conn,
        """SELECT l.sku, l.warehouse, l.on_hand, l.reserved,
                  COALESCE(SUM(m.on_hand_delta), 0), COALESCE(SUM(m.reserved_delta), 0)
           FROM stock_levels l LEFT JOIN stock_movements m ON m.sku = l.sku AND m.warehouse = l.warehouse
           GROUP BY l.sku, l.warehouse, l.on_hand, l.reserved
           HAVING l.on_hand <> COALESCE(SUM(m.on_hand_delta), 0)
               OR l.reserved <> COALESCE(SUM(m.reserved_delta), 0)""",
    ):
        check.add(
            f"{sku}@{wh}",
            f"on hand {on_hand} vs ledger {ledger_on_hand}, reserved {reserved} vs ledger {ledger_reserved}",
        )
    for sku, wh, reserved, held in rows(
        conn,
        """SELECT l.sku, l.warehouse, l.reserved,
                  COALESCE(SUM(r.quantity) FILTER (WHERE r.state = 'active'), 0)
           FROM stock_levels l LEFT JOIN stock_reservations r ON r.sku = l.sku AND r.warehouse = l.warehouse
           GROUP BY l.sku, l.warehouse, l.reserved
           HAVING l.reserved <> COALESCE(SUM(r.quantity) FILTER (WHERE r.state = 'active'), 0)""",
    ):
        check.add(f"{sku}@{wh}", f"reserved {reserved}, open reservations hold {held}")
    for oid, status, sku, wh, qty in rows(
        conn,
        """SELECT r.order_id, o.status, r.sku, r.warehouse, r.quantity FROM stock_reservations r
           JOIN orders o ON o.id = r.order_id
           WHERE r.state = 'active' AND o.status = ANY(%s) ORDER BY r.order_id""",
        [list(TERMINAL)],
    ):
        check.add(oid, f"{status} but still holds {qty} x {sku} at {wh}")
    return check


def one_booking_per_parcel(conn: psycopg.Connection[Any]) -> Check:
    check = Check(
        "one booking per parcel",
        "the carrier's bookings and Ordino's shipments match one to one, one per order and warehouse "
        "(replacements aside)",
    )
    for tracking, key in rows(
        conn,
        """SELECT p.tracking_number, p.idempotency_key FROM sandbox_carrier_parcels p
           WHERE p.idempotency_key LIKE '%%|%%'
             AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.tracking_number = p.tracking_number)""",
    ):
        check.add(key.split("|", 1)[0], f"carrier booking {tracking} ({key}) unknown to Ordino")
    for sid, oid, tracking in rows(
        conn,
        """SELECT s.id, s.order_id, s.tracking_number FROM shipments s WHERE NOT EXISTS (
             SELECT 1 FROM sandbox_carrier_parcels p WHERE p.tracking_number = s.tracking_number)""",
    ):
        check.add(oid, f"shipment {sid} ({tracking}) was never booked with the carrier")
    for oid, wh, n in rows(
        conn,
        """SELECT split_part(idempotency_key, '|', 1), split_part(idempotency_key, '|', 2), count(*)
           FROM sandbox_carrier_parcels
           WHERE idempotency_key LIKE '%%|%%' AND idempotency_key NOT LIKE '%%:re:%%'
           GROUP BY 1, 2 HAVING count(*) > 1""",
    ):
        check.add(oid, f"{n} carrier bookings for the parcel from {wh}")
    return check


def mail_sent_once(conn: psycopg.Connection[Any], mailbox: Path) -> Check:
    check = Check(
        "mail sent once",
        "every outbox row is marked sent and is in the mailbox once (by Message-ID); nothing else is",
    )
    kept = {p.stem for p in mailbox.glob("*.eml")}
    expected: set[str] = set()
    for oid, key, sent_at in rows(
        conn, "SELECT order_id, idempotency_key, sent_at FROM customer_notifications ORDER BY id"
    ):
        name = hashlib.sha256(message_id(key).encode()).hexdigest()[:32]
        expected.add(name)
        if sent_at is None:
            check.add(oid, f"{key} never sent")
        elif name not in kept:
            check.add(oid, f"{key} marked sent, but never arrived")
    for extra in sorted(kept - expected):
        check.add("?", f"mail {extra}.eml in the mailbox has no outbox row")
    arrivals_log = mailbox / ARRIVALS
    arrivals = Counter(arrivals_log.read_text().split()) if arrivals_log.exists() else Counter()
    again = sum(1 for n in arrivals.values() if n > 1)
    check.note = (
        f"{sum(arrivals.values())} arrivals, {len(arrivals)} distinct; "
        f"{again} sent again with the same Message-ID (kept once)"
    )
    return check


def cancellations_held(conn: psycopg.Connection[Any], outcomes: list[Outcome]) -> Check:
    check = Check(
        "acknowledged cancellations hold",
        "a whole cancellation answered 201 ends cancelled, one refused leaves the order uncancelled; "
        "a parcel cancellation's refund has credit notes",
    )
    status = dict(rows(conn, "SELECT id, status FROM orders"))
    credited = {
        oid: total
        for oid, total in rows(conn, "SELECT order_id, SUM(grand_total) FROM credit_notes GROUP BY 1")
    }
    for o in outcomes:
        whole = o.planned.cancel in (Cancel.WHOLE, Cancel.EARLY)
        if whole and o.cancel_status_code not in (None, 201) and status.get(o.order_id) == "cancelled":
            # Only the channel cancels in a chaos run (a declined order is never cancelled by it).
            answers = ", ".join(a for a in o.trail if a.startswith("cancel"))
            check.add(
                o.order_id,
                f"cancellation {o.cancel_reference} refused ({o.cancel_status_code} {o.cancel_code}) "
                f"but the order is cancelled; answers: {answers}",
            )
        if o.cancel_status_code != 201:
            continue
        if whole and status.get(o.order_id) != "cancelled":
            check.add(
                o.order_id, f"cancellation {o.cancel_reference} answered 201, order {status.get(o.order_id)}"
            )
        if o.planned.cancel is Cancel.PARCEL:
            refunded = Decimal(str(o.cancel_answer.get("refunded", 0)))
            if credited.get(o.order_id, Decimal(0)) < refunded:
                check.add(
                    o.order_id,
                    f"parcel cancellation answered refunded {refunded:.2f}, credit notes "
                    f"{credited.get(o.order_id, Decimal(0)):.2f}",
                )
    return check


def database_checks(database_url: str, outcomes: list[Outcome], mailbox: Path) -> list[Check]:
    with psycopg.connect(database_url) as conn:
        return [
            orders_terminal(conn),
            accepted_stored(conn, outcomes),
            captures_invoiced(conn),
            cancelled_refunded(conn),
            refunds_within_captures(conn),
            numbers_gap_free(conn),
            stock_balanced(conn),
            one_booking_per_parcel(conn),
            mail_sent_once(conn, mailbox),
            cancellations_held(conn, outcomes),
        ]


# --- Temporal -------------------------------------------------------------------------
