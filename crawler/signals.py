"""Signals of our own, sent by the spider and handled by the store."""

article_gone = object()
"""An archived article answered 404/410; handlers get ``article_id`` and ``url``."""
