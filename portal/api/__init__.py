"""The back-office REST API under /api/v1: the queue, case events, documents. OpenAPI 3.1."""
