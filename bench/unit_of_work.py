"""CPU time of the unit of work's commonest shape: one guarded effect that appends one order
event (db/unit_of_work.py run_once: claim the key, read and move the order, append the
event, store the answer, in one transaction), against the same five statements sent by
plain psycopg in the same run: the ratio is what Ordino's layers cost on top of the SQL.

    .venv/bin/python -m bench.unit_of_work [--effects 400]

CPU time of this process (time.process_time), so PostgreSQL's own work is not counted and
other load hardly moves the figures. A scratch database is made and dropped.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import psycopg

from bench.stack import scratch_database
from db.engine import Database
from db.models import Order
from db.unit_of_work import UnitOfWork, run_once

ORDER = "bench-1"
NOW = datetime.now(UTC)
# What run_once sends for a new key with one event, as plain SQL.
PLAIN = (
    "INSERT INTO effects (order_id, key) VALUES (%(o)s, %(k)s) ON CONFLICT DO NOTHING RETURNING key",
    "SELECT status FROM orders WHERE id = %(o)s FOR UPDATE",
    "INSERT INTO order_events (order_id, key, type, status, at, actor, data) "
    "VALUES (%(o)s, %(k)s, 'bench', 'accepted', now(), 'system', '{}') "
    "ON CONFLICT ON CONSTRAINT order_events_once DO NOTHING RETURNING id",
    "UPDATE orders SET status = 'accepted', updated_at = now() WHERE id = %(o)s",
    "UPDATE effects SET answer = 'null' WHERE order_id = %(o)s AND key = %(k)s",
)


def cpu_per_call(effect: Callable[[str], object], label: str, calls: int) -> float:
    for n in range(20):  # connections opened, statements prepared and cached
        effect(f"{label}-warm-{n}")
    start = time.process_time()
    for n in range(calls):
        effect(f"{label}-{n}")
    return (time.process_time() - start) * 1000 / calls


def add_order(db: Database) -> None:
    with db.transaction() as s:
        s.add(Order(id=ORDER, channel="bench", external_id="1", customer_id="c", customer_email="c@x.example",
                    customer_name="Bench", shipping_address={}, currency="EUR", status="accepted",
                    net_total=Decimal(1), tax_total=Decimal(0), grand_total=Decimal(1), quote={},
                    request_fingerprint="-", created_at=NOW, updated_at=NOW))  # fmt: skip


def measure(url: str, calls: int, rounds: int) -> None:
    db = Database(url, pool_size=2)
    add_order(db)
    plain = psycopg.connect(url)

    def with_psycopg(key: str) -> None:
        with plain.transaction():
            for sql in PLAIN:
                plain.execute(sql, {"o": ORDER, "k": key})

    def with_unit_of_work(key: str) -> None:
        def effect(uow: UnitOfWork) -> None:
            uow.record(ORDER, key, "bench", None, NOW)

        run_once(db, ORDER, key, None, effect)

    try:
        print(f"{'round':<8}{'plain psycopg':>16}{'run_once':>12}{'ratio':>8}")
        for n in range(1, rounds + 1):
            base = cpu_per_call(with_psycopg, f"plain{n}", calls)
            ours = cpu_per_call(with_unit_of_work, f"uow{n}", calls)
            print(f"{n:<8}{base:>13.2f} ms{ours:>9.2f} ms{ours / base:>8.2f}", flush=True)
    finally:
        plain.close()
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--effects", type=int, default=400, help="guarded effects per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with scratch_database() as (_, url):
        measure(url, args.effects, args.rounds)


if __name__ == "__main__":
    main()
