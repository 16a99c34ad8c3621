"""The back-office queue (outbox) and the background worker that runs work after a request."""
