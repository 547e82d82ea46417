"""The JSON API under /api/v1: views, shapes, queries, OpenAPI, problem details, idempotency."""
