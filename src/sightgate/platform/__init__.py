"""Shared kernel: database and unit of work, domain events and their outbox, ids, errors."""
