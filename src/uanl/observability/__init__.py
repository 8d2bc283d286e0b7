"""Prometheus metrics (API, Celery tasks, queue, notifications, SLA) and task log context."""
