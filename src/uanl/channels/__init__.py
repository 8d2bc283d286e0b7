"""Inbound channels (e-mail): parsing what arrives, before it becomes a ticket."""
