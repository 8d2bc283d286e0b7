"""UANL Service Desk API."""

__version__ = "0.1.0"
