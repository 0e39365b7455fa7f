"""Refund arithmetic over random invoices, amounts and earlier parts: a refund is split over
invoices newest first, never beyond what each has open, a retry finishes it and never repeats
a part, and the VAT of an invoice's credit notes adds up to the invoice's VAT at most."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.errors import ErrorCode, OrdinoError
from domain.money import minor_unit, round_money
from domain.refunds import CreditableInvoice, credit_note_tax, split_refund

CURRENCIES = ["EUR", "JPY", "KWD"]


@st.composite
def invoices(draw: st.DrawFn) -> tuple[str, list[CreditableInvoice]]:
    currency = draw(st.sampled_from(CURRENCIES))
    unit = D(1).scaleb(-minor_unit(currency))
    found = []
    for n in range(draw(st.integers(1, 5))):
        total = draw(st.integers(1, 100_000)) * unit
        credited = draw(st.integers(0, int(total / unit))) * unit
        found.append(CreditableInvoice(f"INV-{n}", total, credited))
    return currency, found


def money(currency: str, upto: int = 600_000) -> st.SearchStrategy[D]:
    return st.integers(0, upto).map(lambda n: D(n).scaleb(-minor_unit(currency)))


@given(st.data())
def test_a_refund_takes_what_was_asked_newest_invoice_first(data: st.DataObject):
    currency, found = data.draw(invoices())
    asked = data.draw(money(currency))
    refundable = sum((i.open for i in found), D(0))
    assume(asked <= refundable)
    parts = split_refund(asked, found, currency, done={})
    assert sum((p.amount for p in parts), D(0)) == asked
    opened = {i.number: i.open for i in found}
    assert all(0 < p.amount <= opened[p.invoice] for p in parts)
    order = [i.number for i in found]
    assert [p.invoice for p in parts] == sorted((p.invoice for p in parts), key=order.index)
    # Every invoice before the last one used gave all it had open.
    for p in parts[:-1]:
        assert p.amount == opened[p.invoice]


@given(st.data())
def test_more_than_is_open_is_refused_or_capped(data: st.DataObject):
    currency, found = data.draw(invoices())
    refundable = sum((i.open for i in found), D(0))
    asked = refundable + data.draw(money(currency, 1000).filter(lambda m: m > 0))
    with pytest.raises(OrdinoError) as refused:
        split_refund(asked, found, currency, done={}, order_id="O-1")
    assert refused.value.code is ErrorCode.REFUND_EXCEEDS_CAPTURED
    assert refused.value.details == {"refundable": str(round_money(refundable, currency))}
    capped = split_refund(asked, found, currency, done={}, at_most_refundable=True)
    assert sum((p.amount for p in capped), D(0)) == refundable


@given(st.data())
def test_a_retry_books_only_what_an_earlier_attempt_did_not(data: st.DataObject):
    currency, before = data.draw(invoices())
    asked = data.draw(money(currency))
    assume(asked <= sum((i.open for i in before), D(0)))
    first = split_refund(asked, before, currency, done={})
    booked = first[: data.draw(st.integers(0, len(first)))]
    # What the books say after the attempt that booked only some parts.
    taken = {p.invoice: p.amount for p in booked}
    after = [CreditableInvoice(i.number, i.total, i.credited + taken.get(i.number, D(0))) for i in before]
    rest = split_refund(asked, after, currency, done=taken)
    assert not {p.invoice for p in rest} & taken.keys()
    assert booked + rest == first


@given(st.data())
def test_credit_notes_give_back_the_invoices_vat_and_no_more(data: st.DataObject):
    currency = data.draw(st.sampled_from(CURRENCIES))
    unit = D(1).scaleb(-minor_unit(currency))
    total = data.draw(st.integers(1, 100_000)) * unit
    rate = data.draw(st.sampled_from([D("0"), D("0.04"), D("0.1"), D("0.19"), D("0.22"), D("0.27")]))
    tax = round_money(total * rate / (1 + rate), currency)
    credited_total, credited_tax = D(0), D(0)
    for n in range(data.draw(st.integers(1, 6)), 0, -1):
        left = int((total - credited_total) / unit)
        if left == 0:
            break
        # The last credit note takes what is left: the invoice ends fully credited.
        amount = (left if n == 1 else data.draw(st.integers(1, left))) * unit
        part_tax = credit_note_tax(total, tax, credited_total, credited_tax, amount, currency)
        assert 0 <= part_tax <= amount
        credited_total, credited_tax = credited_total + amount, credited_tax + part_tax
        assert credited_tax <= tax
    assert credited_tax == tax
