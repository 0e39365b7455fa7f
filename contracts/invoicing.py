"""Inputs and outputs of the invoicing activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from contracts.step import Step
from domain.fulfillment import Fulfillment
from domain.orders import InvoiceIssued
from domain.status import OrderStatus


class IssueInvoiceInput(BaseModel):
    order_id: str
    payment_reference: str
    # The shipment this invoice is for; None: the whole order on one invoice.
    fulfillment: Fulfillment | None = None
    # Invoices after delivery (an exchange's price difference) leave the order's status alone.
    order_status: OrderStatus | None = OrderStatus.INVOICED
    at: datetime


# The steps, by their activities' names.
ISSUE_INVOICE: Step[IssueInvoiceInput, InvoiceIssued] = Step(
    "issue_invoice", IssueInvoiceInput, InvoiceIssued
)
