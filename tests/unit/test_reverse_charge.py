"""When an EU business pays no VAT (reverse charge): a channel that sells to businesses, a
VAT number of the member state the goods go to, and that state not the seller's."""

from __future__ import annotations

import pytest

from domain.tax import reverse_charge_applies
from settings import ChannelConfig, Settings


@pytest.mark.parametrize(
    ("vat_id", "destination", "applies"),
    [
        ("DE123456788", "DE", True),  # a German business buying from Italy
        ("EL123456783", "GR", True),  # Greek VAT numbers start with EL
        ("IT01234560157", "IT", False),  # same member state as the seller: Italian VAT
        ("DE123456788", "US", False),  # an export, not an intra-EU supply
        ("DE123456788", "IT", False),  # the goods stay in Italy: Italian VAT
        ("IT01234560157", "DE", False),  # registered in Italy, not where the goods go
        ("GB123456789", "GB", False),  # not an EU VAT number
        (None, "DE", False),  # a consumer
    ],
)
def test_reverse_charge_is_for_businesses_in_another_member_state(vat_id, destination, applies):
    assert reverse_charge_applies(vat_id, "IT", destination, business_channel=True) is applies


@pytest.mark.parametrize("vat_id", ["DE123456788", "EL123456783", "FR11123456782"])
def test_a_consumer_channel_charges_vat_whatever_number_it_is_given(vat_id):
    destination = "GR" if vat_id.startswith("EL") else vat_id[:2]
    assert reverse_charge_applies(vat_id, "IT", destination, business_channel=True)
    assert not reverse_charge_applies(vat_id, "IT", destination, business_channel=False)


def test_only_the_b2b_channel_sells_to_businesses_unless_configured():
    assert {code for code, channel in Settings().channels.items() if channel.sells_to_businesses} == {"b2b"}
    assert ChannelConfig().sells_to_businesses is False
    configured = ChannelConfig.model_validate({"prices_include_tax": False, "sells_to_businesses": True})
    assert configured.sells_to_businesses
