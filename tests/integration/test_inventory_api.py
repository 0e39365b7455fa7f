"""Inventory over HTTP, as a stock keeper sees it: stock per warehouse, reorder points,
low-stock alerts, what to reorder, goods receipts, adjustments and backorders, on the
real servers (dev server, worker, PostgreSQL, API)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body

# --- helpers ------------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def stock_by_warehouse(api, sku: str, **params: Any) -> dict[str, dict]:
    """GET /inventory for one SKU, keyed by warehouse."""
    response = await api.get("/inventory", params={"sku": sku, **params})
    assert response.status_code == 200, response.text
    return {row["warehouse"]: row for row in response.json()}


async def levels(api, sku: str) -> dict[str, tuple[int, int, int]]:
    """(on hand, reserved, available) per warehouse: what a rejected request must not change."""
    rows = await stock_by_warehouse(api, sku)
    return {wh: (r["on_hand"], r["reserved"], r["available"]) for wh, r in rows.items()}


async def movements(api, sku: str) -> list[dict]:
    response = await api.get(f"/inventory/{sku}/movements")
    assert response.status_code == 200, response.text
    return response.json()


async def sku_stock(api, sku: str) -> dict:
    response = await api.get(f"/inventory/{sku}")
    assert response.status_code == 200, response.text
    return response.json()


async def set_reorder(api, sku: str, warehouse: str, point: int, quantity: int) -> None:
    response = await api.put(
        f"/inventory/{sku}/{warehouse}/reorder",
        json={"reorder_point": point, "reorder_quantity": quantity},
    )
    assert response.status_code == 204, response.text


async def alerts_for(api, sku: str) -> list[dict]:
    response = await api.get("/inventory/alerts", params={"limit": 500})
    assert response.status_code == 200, response.text
    return [a for a in response.json() if a["sku"] == sku]


async def replenishment_for(api, sku: str) -> list[dict]:
    response = await api.get("/inventory/replenishment")
    assert response.status_code == 200, response.text
    return [r for r in response.json() if r["sku"] == sku]


def receipt(warehouse: str, lines: list[tuple[str, int]], reference: str | None = None) -> dict:
    return {
        "warehouse": warehouse,
        "reference": reference or unique("DN"),
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
    }


def write_off(sku: str, warehouse: str, delta: int, reference: str | None = None, **overrides: Any) -> dict:
    body = {
        "sku": sku,
        "warehouse": warehouse,
        "kind": "write_off",
        "quantity_delta": delta,
        "reason": "damaged in the warehouse",
        "reference": reference or unique("WO"),
    }
    body.update(overrides)
    return body


async def place(api, lines: list[tuple[str, int]], channel: str = "webshop") -> dict:
    """POST /orders and expect it accepted (201)."""
    response = await api.post("/orders", json=order_body(lines, channel=channel))
    assert response.status_code == 201, response.text
    return response.json()


def error_code(response) -> tuple[int, str]:
    return response.status_code, response.json().get("code")


def error_fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


# --- stock per warehouse --------------------------------------------------------------


async def test_stock_shows_on_hand_reserved_and_available_per_warehouse(stack, catalog):
    api, _, _ = stack
    sku, other = catalog({"MIL": 7, "BER": 4}), catalog({"MIL": 1})
    # A phone order holds 3 of sku at MIL while it waits for `other`, so the reservation stays.
    await place(api, [(sku, 3), (other, 2)], channel="phone")

    rows = await stock_by_warehouse(api, sku)
    assert {wh: (r["on_hand"], r["reserved"], r["available"]) for wh, r in rows.items()} == {
        "MIL": (7, 3, 4),
        "BER": (4, 0, 4),
    }
    assert rows["MIL"]["name"] == f"Test product {sku}"


async def test_stock_can_be_filtered_by_warehouse(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 7, "BER": 4})
    rows = await stock_by_warehouse(api, sku, warehouse="BER")
    assert list(rows) == ["BER"]
    assert rows["BER"]["on_hand"] == 4


async def test_low_stock_filter_keeps_rows_at_or_below_their_reorder_point(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 10, "BER": 6})
    await set_reorder(api, sku, "MIL", point=10, quantity=20)  # available 10: at the point
    await set_reorder(api, sku, "BER", point=5, quantity=20)  # available 6: above it

    low = await stock_by_warehouse(api, sku, low_stock="true")
    assert list(low) == ["MIL"]
    assert low["MIL"]["low"] is True
    assert (await stock_by_warehouse(api, sku))["BER"]["low"] is False

    await set_reorder(api, sku, "BER", point=7, quantity=20)  # now below it
    assert sorted(await stock_by_warehouse(api, sku, low_stock="true")) == ["BER", "MIL"]


# --- reorder policy -------------------------------------------------------------------


async def test_reorder_policy_is_set_per_warehouse(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 10, "BER": 10})
    await set_reorder(api, sku, "BER", point=4, quantity=25)

    rows = await stock_by_warehouse(api, sku)
    assert (rows["BER"]["reorder_point"], rows["BER"]["reorder_quantity"]) == (4, 25)
    assert (rows["MIL"]["reorder_point"], rows["MIL"]["reorder_quantity"]) == (0, 0)


async def test_negative_reorder_policy_is_rejected(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 10})
    await set_reorder(api, sku, "MIL", point=3, quantity=12)

    response = await api.put(
        f"/inventory/{sku}/MIL/reorder", json={"reorder_point": -1, "reorder_quantity": -5}
    )
    assert error_code(response) == (422, "invalid_body")
    assert error_fields(response) == {"body.reorder_point", "body.reorder_quantity"}
    row = (await stock_by_warehouse(api, sku))["MIL"]
    assert (row["reorder_point"], row["reorder_quantity"]) == (3, 12)


async def test_reorder_policy_for_an_unknown_warehouse_is_rejected(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 10})
    response = await api.put(
        f"/inventory/{sku}/NOWHERE/reorder", json={"reorder_point": 1, "reorder_quantity": 5}
    )
    assert error_code(response) == (422, "unknown_warehouse")
    assert list(await stock_by_warehouse(api, sku)) == ["MIL"]


# --- low-stock alerts and replenishment -------------------------------------------------


async def test_order_reaching_the_reorder_point_raises_one_alert(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 10})
    await set_reorder(api, sku, "MIL", point=6, quantity=3)

    first = await place(api, [(sku, 4)])  # available 10 -> 6: reaches the reorder point
    await place(api, [(sku, 2)])  # available 6 -> 4: already below, no new alert

    alerts = await alerts_for(api, sku)
    assert [(a["kind"], a["warehouse"], a["available"], a["reorder_point"]) for a in alerts] == [
        ("low_stock", "MIL", 6, 6)
    ]
    assert alerts[0]["reference"] == first["order_id"]


async def test_replenishment_suggests_the_larger_of_reorder_quantity_and_gap(stack, catalog):
    api, _, _ = stack
    gap_wins, quantity_wins = catalog({"MIL": 10, "BER": 10}), catalog({"MIL": 10})
    await set_reorder(api, gap_wins, "MIL", point=8, quantity=3)
    await set_reorder(api, quantity_wins, "MIL", point=8, quantity=15)
    await place(api, [(gap_wins, 6), (quantity_wins, 6)])  # available 4 at MIL for both

    [row] = await replenishment_for(api, gap_wins)  # BER is above its (zero) reorder point
    assert row == {
        "sku": gap_wins,
        "warehouse": "MIL",
        "available": 4,
        "reorder_point": 8,
        "reorder_quantity": 3,
        "open_backorders": 0,
        "suggested_quantity": 4,  # max(3, 8 - 4) + 0
    }
    [row] = await replenishment_for(api, quantity_wins)
    assert row["suggested_quantity"] == 15  # max(15, 8 - 4) + 0


# --- goods receipts ---------------------------------------------------------------------


async def test_receipt_books_goods_once_per_reference(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    body = receipt("MIL", [(sku, 3)])

    first = await api.post("/inventory/receipts", json=body)
    assert first.status_code == 201, first.text
    assert first.json() == {"booked": True, "woken_orders": []}
    assert (await stock_by_warehouse(api, sku))["MIL"]["on_hand"] == 8
    latest = (await movements(api, sku))[0]
    assert (latest["kind"], latest["on_hand_delta"], latest["reference"]) == ("receipt", 3, body["reference"])

    ledger = await movements(api, sku)
    again = await api.post("/inventory/receipts", json=body)
    assert again.status_code == 200, again.text
    assert again.json()["booked"] is False
    assert (await stock_by_warehouse(api, sku))["MIL"]["on_hand"] == 8
    assert await movements(api, sku) == ledger


async def test_bad_receipts_are_rejected_and_write_nothing(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5, "BER": 2})
    reference = unique("DN")
    before, ledger = await levels(api, sku), await movements(api, sku)

    cases = [
        (receipt("NOWHERE", [(sku, 1)], reference), 422, "unknown_warehouse"),
        (receipt("MIL", [(sku, 2), (unique("NOPE").upper(), 1)], reference), 422, "unknown_sku"),
        (receipt("MIL", [(sku, 0)], reference), 422, "invalid_body"),
        (receipt("MIL", [(sku, 1), (sku, 2)], reference), 422, "invalid_body"),
    ]
    for body, status, code in cases:
        response = await api.post("/inventory/receipts", json=body)
        assert error_code(response) == (status, code), response.text
        assert await levels(api, sku) == before
        assert await movements(api, sku) == ledger

    # The delivery note was not used up by the rejected attempts.
    response = await api.post("/inventory/receipts", json=receipt("MIL", [(sku, 2)], reference))
    assert response.json()["booked"] is True


# --- adjustments and write-offs ----------------------------------------------------------


async def test_adjustment_needs_a_reason_and_a_nonzero_quantity(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    before, ledger = await levels(api, sku), await movements(api, sku)
    without_reason = write_off(sku, "MIL", -1)
    del without_reason["reason"]

    cases = [
        (without_reason, "body.reason"),
        (write_off(sku, "MIL", -1, reason="ok"), "body.reason"),
        (write_off(sku, "MIL", -1, reason="  x  "), "body.reason"),
        (write_off(sku, "MIL", 0), "body.quantity_delta"),
        (write_off(sku, "MIL", 5), "body"),  # a write-off only removes units
    ]
    for body, field in cases:
        response = await api.post("/inventory/adjustments", json=body)
        assert error_code(response) == (422, "invalid_body"), response.text
        assert error_fields(response) == {field}
    assert await levels(api, sku) == before
    assert await movements(api, sku) == ledger


async def test_write_off_cannot_take_on_hand_below_reserved(stack, catalog):
    api, _, _ = stack
    sku, other = catalog({"MIL": 6}), catalog({})  # `other` has never been stocked
    # A phone order holds 4 of sku at MIL while it waits for `other`.
    await place(api, [(sku, 4), (other, 1)], channel="phone")
    before, ledger = await levels(api, sku), await movements(api, sku)
    assert before["MIL"] == (6, 4, 2)
    reference = unique("WO")

    response = await api.post("/inventory/adjustments", json=write_off(sku, "MIL", -3, reference))
    assert error_code(response) == (409, "negative_stock"), response.text
    assert await levels(api, sku) == before
    assert await movements(api, sku) == ledger

    # The free units can go, under the same reference: the rejected attempt left no trace.
    response = await api.post("/inventory/adjustments", json=write_off(sku, "MIL", -2, reference))
    assert response.status_code == 201, response.text
    assert (await levels(api, sku))["MIL"] == (4, 4, 0)


async def test_write_off_reduces_on_hand_and_heads_the_ledger(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 10, "BER": 3})
    body = write_off(sku, "MIL", -2, reason="dropped by forklift", reference="INC-77")

    response = await api.post("/inventory/adjustments", json=body)
    assert response.status_code == 201, response.text
    assert response.json() == {"booked": True, "woken_orders": []}
    assert await levels(api, sku) == {"MIL": (8, 0, 8), "BER": (3, 0, 3)}
    latest = (await movements(api, sku))[0]
    assert {k: v for k, v in latest.items() if k != "at"} == {
        "warehouse": "MIL",
        "kind": "write_off",
        "on_hand_delta": -2,
        "reserved_delta": 0,
        "reason": "dropped by forklift",
        "reference": "INC-77",
    }


# --- one SKU across warehouses -----------------------------------------------------------


async def test_unknown_sku_is_a_404(stack):
    api, _, _ = stack
    response = await api.get("/inventory/NO-SUCH-SKU-404")
    assert error_code(response) == (404, "sku_not_found")


async def test_sku_totals_add_up_its_warehouses_and_count_backorders(stack, catalog):
    api, _, _ = stack
    sku, scarce = catalog({"MIL": 7, "BER": 4}), catalog({"BER": 1})
    # Reserves 3 of sku at MIL, the 1 scarce unit at BER, and backorders 2 scarce units.
    accepted = await place(api, [(sku, 3), (scarce, 3)], channel="phone")
    assert accepted["backordered"] == {scarce: 2}

    for code, backordered in [(sku, 0), (scarce, 2)]:
        stock = await sku_stock(api, code)
        for total in ("on_hand", "reserved", "available"):
            assert stock[total] == sum(row[total] for row in stock["warehouses"]), total
        assert stock["backordered"] == backordered
    totals = await sku_stock(api, sku)
    assert (totals["on_hand"], totals["reserved"], totals["available"]) == (11, 3, 8)


# --- backorders -------------------------------------------------------------------------


async def test_receipt_fills_a_phone_backorder_and_the_order_ships(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 2})
    await set_reorder(api, sku, "MIL", point=2, quantity=5)

    accepted = await place(api, [(sku, 5)], channel="phone")
    order_id = accepted["order_id"]
    assert accepted["status"] == "backordered"
    assert accepted["backordered"] == {sku: 3}
    assert (await sku_stock(api, sku))["backordered"] == 3
    [row] = await replenishment_for(api, sku)
    # Backorders go to the first warehouse by priority: max(5, 2 - 0) + 3 owed.
    assert (row["warehouse"], row["open_backorders"], row["suggested_quantity"]) == ("MIL", 3, 8)

    response = await api.post("/inventory/receipts", json=receipt("MIL", [(sku, 3)]))
    assert response.status_code == 201, response.text
    assert response.json() == {"booked": True, "woken_orders": [order_id]}

    await wait_for_status(api, order_id, "shipped")
    assert (await sku_stock(api, sku))["backordered"] == 0
    assert await levels(api, sku) == {"MIL": (0, 0, 0)}


async def test_the_backorder_queue_shows_who_waits_for_what_since_when(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 1})
    first = await place(api, [(sku, 3)], channel="phone")
    second = await place(api, [(sku, 2)], channel="phone")
    queue = [b for b in (await api.get("/inventory/backorders")).json() if b["sku"] == sku]
    # First come, first served: the order receipts fill them in.
    assert [(b["order_id"], b["quantity"]) for b in queue] == [
        (first["order_id"], 2),
        (second["order_id"], 2),
    ]
    assert queue[0]["since"] <= queue[1]["since"]

    response = await api.post("/inventory/receipts", json=receipt("MIL", [(sku, 2)]))
    assert response.json()["woken_orders"] == [first["order_id"]]
    after = [b for b in (await api.get("/inventory/backorders")).json() if b["sku"] == sku]
    assert [b["order_id"] for b in after] == [second["order_id"]]


async def test_replenishment_lists_backorders_of_a_never_stocked_sku(stack, catalog):
    api, _, _ = stack
    sku = catalog({})  # a new product, not yet received anywhere
    accepted = await place(api, [(sku, 4)], channel="phone")
    assert accepted["backordered"] == {sku: 4}

    rows = await replenishment_for(api, sku)
    assert [(r["open_backorders"], r["suggested_quantity"]) for r in rows] == [(4, 4)]


async def test_webshop_order_beyond_stock_is_refused(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 2})
    response = await api.post("/orders", json=order_body([(sku, 3)]))
    assert error_code(response) == (409, "insufficient_stock"), response.text
    assert await levels(api, sku) == {"MIL": (2, 0, 2)}
    assert (await sku_stock(api, sku))["backordered"] == 0
