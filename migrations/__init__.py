"""Alembic migrations of the archive schema (``storage.models`` is their source of truth)."""
