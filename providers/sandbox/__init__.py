"""Sandboxes that behave like the real services, for the dev stack and the tests: a payment
gateway (gateway.py) and a carrier (carrier.py) behind the provider Protocols, each keeping
its ledger in its own table; the carrier's van (carrier_journeys.py) and a warehouse's
packing bench (warehouse.py) that act on their own and call Ordino's API (ordino_api.py);
and an SMTP sink that keeps every mail (smtp_sink.py)."""
