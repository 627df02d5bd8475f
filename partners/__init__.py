"""The signed JSON API for partner systems: API keys, request signatures, idempotency, webhooks."""
