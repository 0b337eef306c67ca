"""The archive's storage layer: database configuration, models, migrations and operations."""
