"""Celery settings that would silently stop work if they were wrong."""

from __future__ import annotations

from uanl.worker import BEAT_SCHEDULE, celery_app


def _uanl_tasks() -> dict:
    celery_app.loader.import_default_modules()
    return {name: t for name, t in celery_app.tasks.items() if name.startswith("uanl.")}


def test_every_beat_entry_names_a_registered_task():
    tasks = _uanl_tasks()
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in tasks, entry


def test_soft_time_limits_never_exceed_hard_ones():
    # Celery refuses to send a task whose soft limit is above its hard limit: beat then
    # logs a SchedulingError on every tick and the sweep never runs.
    conf = celery_app.conf
    for name, task in _uanl_tasks().items():
        hard = task.time_limit or conf.task_time_limit
        soft = task.soft_time_limit or conf.task_soft_time_limit
        assert hard, name
        assert soft is None or soft <= hard, (name, soft, hard)


def test_every_beat_task_can_be_serialized_for_sending():
    for entry in BEAT_SCHEDULE.values():
        task = celery_app.tasks[entry["task"]]
        celery_app.amqp.as_task_v2(
            "id-1",
            entry["task"],
            args=(),
            kwargs={},
            time_limit=task.time_limit,
            soft_time_limit=task.soft_time_limit,
        )
