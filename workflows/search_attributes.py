"""Search attributes that make orders findable in the Temporal Web UI."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
ORDER_CHANNEL = SearchAttributeKey.for_keyword("OrderChannel")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")

ALL = (ORDER_STATUS, ORDER_CHANNEL, CUSTOMER_ID)
