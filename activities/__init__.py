"""Activities: one module per capability. Each is idempotent, keyed by order and step."""
