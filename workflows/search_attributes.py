"""Search attributes that make orders and their returns findable in the Temporal Web UI:
`OrderId` (the order's id, on the order and on each of its returns), `CustomerId` and
`OrderChannel` on both, `OrderStatus` on orders and `ReturnStatus` on returns."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
ORDER_CHANNEL = SearchAttributeKey.for_keyword("OrderChannel")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
ORDER_ID = SearchAttributeKey.for_keyword("OrderId")
RETURN_STATUS = SearchAttributeKey.for_keyword("ReturnStatus")

ALL = (ORDER_STATUS, ORDER_CHANNEL, CUSTOMER_ID, ORDER_ID, RETURN_STATUS)
