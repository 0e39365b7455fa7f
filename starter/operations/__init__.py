"""What the API (starter/http/) and the CLI (starter/cli/) both do, written once: place an
order (intake.py), send an update to an order's or a return's workflow and turn its refusal
into a coded error (updates.py), edits and cancellations, refunds, returns, shipping,
inventory receipts, price lists, promotions, tax rates, quotes, invoice PDFs; and reading or
writing the database from async code (sessions.py)."""
