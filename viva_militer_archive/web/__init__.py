"""The archive's read-only web reader: HTML pages, a JSON API, Atom feeds, health and metrics."""
