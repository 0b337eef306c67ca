"""Alerts: watches, their events and delivery by signed webhook and email."""
