"""Adapters to outside systems, each behind a Protocol (carrier.py, payment_gateway.py,
mailer.py) with a sandbox that behaves like the real service (sandbox/); adapters.py picks
the one the settings name."""
