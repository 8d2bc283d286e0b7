"""Kept only for `notifications.events`, which imports these names from here; new code
imports them from `notifications.creation`. The rest of the old service lives in
`enqueue`, `creation`, `compose`, `delivery`, `sweep`, `retry` and `listing`."""

from __future__ import annotations

from uanl.notifications.creation import (
    NotificationFields,
    create_notifications,
    make_dedupe_key,
    notification_values,
)

__all__ = ["NotificationFields", "create_notifications", "make_dedupe_key", "notification_values"]
