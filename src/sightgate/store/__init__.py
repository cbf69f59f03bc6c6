"""Schema migrations (Alembic) for every bounded context's tables."""
