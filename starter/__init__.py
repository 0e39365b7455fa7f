"""Everything that starts, updates, signals or queries workflows: API, webhooks, CLI."""
