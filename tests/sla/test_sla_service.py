"""SLA arithmetic on the default policies: weekends, holidays, pauses, recompute, statuses.

Expected instants are worked out by hand from the seeded calendar "Horario laboral (México)"
(Mon-Fri 09-18, Sat 09-14, America/Monterrey = UTC-6, Mexico's statutory holidays) and the
default targets: urgent 30 min / 4 h on 24x7, high 1 h / 8 h, medium 4 h / 27 h, low 8 h / 45 h.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import mty, sla_ticket
from uanl.core import db as dbmod
from uanl.models import (
    Client,
    ClientTier,
    SlaPolicy,
    SlaStatus,
    Ticket,
    TicketPriority,
    TicketState,
)
from uanl.sla import policies
from uanl.sla import service as sla
from uanl.tickets.service import apply_transition


def policy_id(db: Session, name: str) -> int:
    found = db.scalar(select(SlaPolicy.id).where(SlaPolicy.name == name))
    assert found is not None
    return found


def test_deadlines_for_each_default_policy(sla_db: None) -> None:
    friday_1730 = mty(2026, 6, 5, 17, 30)
    wednesday_10 = mty(2026, 6, 10, 10)
    with dbmod.session_scope() as db:
        urgent = sla_ticket(db, "urgent", friday_1730)
        high = sla_ticket(db, "high", friday_1730)
        medium = sla_ticket(db, "medium", wednesday_10)
        low = sla_ticket(db, "low", wednesday_10)

        # Urgent: 24x7, wall-clock minutes.
        assert urgent.sla_policy_id == policy_id(db, "Urgente 24x7")
        assert urgent.first_response_due_at == mty(2026, 6, 5, 18, 0)
        assert urgent.resolution_due_at == mty(2026, 6, 5, 21, 30)
        # High, Friday 17:30: 30 min on Friday + 30 on Saturday -> Sat 09:30; resolution
        # 30 (Fri) + 300 (Sat 09-14) + 150 on Monday -> Mon 11:30.
        assert high.sla_policy_id == policy_id(db, "Alta")
        assert high.first_response_due_at == mty(2026, 6, 6, 9, 30)
        assert high.resolution_due_at == mty(2026, 6, 8, 11, 30)
        # Medium, Wednesday 10:00: 240 min -> 14:00; 1620 = 480 + 540 + 540 + 60 -> Sat 10:00.
        assert medium.first_response_due_at == mty(2026, 6, 10, 14, 0)
        assert medium.resolution_due_at == mty(2026, 6, 13, 10, 0)
        # Low: 480 min end exactly at Wednesday's closing time; resolution 2700 =
        # 480 + 540 + 540 + 300 (Sat) + 540 (Mon) + 300 -> Tue 14:00.
        assert low.first_response_due_at == mty(2026, 6, 10, 18, 0)
        assert low.resolution_due_at == mty(2026, 6, 16, 14, 0)
        for t in (urgent, high, medium, low):
            assert t.sla_status == SlaStatus.on_track
            assert t.sla_paused_minutes == 0


def test_holiday_is_skipped(sla_db: None) -> None:
    # Monday 2 February 2026 is Día de la Constitución (first Monday of February).
    with dbmod.session_scope() as db:
        t = sla_ticket(db, "medium", mty(2026, 1, 30, 16))
        # 240: Fri 16-18 (120) + Sat 09-11 (120).
        assert t.first_response_due_at == mty(2026, 1, 31, 11, 0)
        # 1620: Fri 120 + Sat 300 + (Mon holiday) Tue 540 + Wed 540 + Thu 120 -> Thu 11:00.
        assert t.resolution_due_at == mty(2026, 2, 5, 11, 0)
        # The same ticket a week later has no holiday: Fri 120 + Sat 300 + Mon 540 + Tue 540
        # + Wed 120 -> Wed 11:00.
        later = sla_ticket(db, "medium", mty(2026, 2, 6, 16))
        assert later.resolution_due_at == mty(2026, 2, 11, 11, 0)


def test_pause_resume_keeps_paused_time_across_a_priority_change(sla_db: None) -> None:
    with dbmod.session_scope() as db:
        t = sla_ticket(db, "medium", mty(2026, 6, 8, 9))
        assert t.first_response_due_at == mty(2026, 6, 8, 13)
        apply_transition(db, t, TicketState.waiting, mty(2026, 6, 8, 10))
        assert t.sla_status == SlaStatus.paused and t.sla_paused_at is not None
        # Waiting from Monday 10:00 to Tuesday 10:00 is 480 + 60 business minutes.
        apply_transition(db, t, TicketState.in_progress, mty(2026, 6, 9, 10))
        assert t.sla_paused_at is None
        assert t.sla_paused_minutes == pytest.approx(540)
        # 240 + 540 = 780 = Mon 540 + Tue 240 -> Tue 13:00; 1620 + 540 = 4 x 540 -> Thu 18:00.
        assert t.first_response_due_at == mty(2026, 6, 9, 13)
        assert t.resolution_due_at == mty(2026, 6, 11, 18)
        assert t.sla_status == SlaStatus.on_track
        ticket_id = t.id

    with dbmod.session_scope() as db:
        t = db.get(Ticket, ticket_id)
        assert t is not None
        now = mty(2026, 6, 9, 10, 5)
        t.priority = TicketPriority.high
        sla.apply_sla(db, t, now, reason="changed")
        # The paused 540 minutes survive the policy change: high is 60 + 540 = 600 ->
        # Tue 10:00 (already missed at 10:05) and 480 + 540 = 1020 -> Tue 17:00.
        assert t.sla_policy_id == policy_id(db, "Alta")
        assert t.sla_paused_minutes == pytest.approx(540)
        assert t.first_response_due_at == mty(2026, 6, 9, 10)
        assert t.resolution_due_at == mty(2026, 6, 9, 17)
        assert t.sla_status == SlaStatus.breached


def test_pause_over_a_weekend_counts_business_minutes_only(sla_db: None) -> None:
    with dbmod.session_scope() as db:
        t = sla_ticket(db, "low", mty(2026, 6, 5, 9))
        apply_transition(db, t, TicketState.waiting, mty(2026, 6, 5, 17))
        assert sla.remaining_business_minutes(db, t, mty(2026, 6, 8, 9)) == {
            "first_response": 0.0,  # 480 from Fri 09:00 -> Fri 17:00: frozen at the pause
            "resolution": 2700.0 - 480.0,
        }
        apply_transition(db, t, TicketState.open, mty(2026, 6, 8, 10))
        # Fri 17-18 (60) + Sat 09-14 (300) + Mon 09-10 (60).
        assert t.sla_paused_minutes == pytest.approx(420)
        assert sla.remaining_business_minutes(db, t, mty(2026, 6, 8, 10)) == {
            "first_response": 0.0,
            "resolution": 2700.0 - 480.0,
        }


def test_most_specific_policy_wins(sla_db: None) -> None:
    with dbmod.session_scope() as db:
        premium = Client(name="Premium SA", tier=ClientTier.premium)
        basic = Client(name="Básico SA", tier=ClientTier.basic)
        db.add_all([premium, basic])
        db.add_all(
            [
                SlaPolicy(
                    name="Alta premium",
                    priority=TicketPriority.high,
                    client_tier=ClientTier.premium,
                    first_response_minutes=15,
                    resolution_minutes=120,
                ),
                SlaPolicy(
                    name="Premium",
                    client_tier=ClientTier.premium,
                    first_response_minutes=20,
                    resolution_minutes=200,
                ),
                SlaPolicy(name="Cualquiera", first_response_minutes=600, resolution_minutes=6000),
            ]
        )
        db.flush()
        policies.invalidate()  # rows written behind the API's back: drop the cached config
        now = mty(2026, 6, 10, 10)
        assert sla_ticket(db, "high", now, client_id=premium.id).sla_policy_id == policy_id(
            db, "Alta premium"
        )
        assert sla_ticket(db, "high", now, client_id=basic.id).sla_policy_id == policy_id(
            db, "Alta"
        )
        assert sla_ticket(db, "medium", now, client_id=premium.id).sla_policy_id == policy_id(
            db, "Media"
        )
        media = db.get(SlaPolicy, policy_id(db, "Media"))
        assert media is not None
        media.is_active = False
        db.flush()
        policies.invalidate()
        assert sla_ticket(db, "medium", now, client_id=premium.id).sla_policy_id == policy_id(
            db, "Premium"
        )
        assert sla_ticket(db, "medium", now, client_id=basic.id).sla_policy_id == policy_id(
            db, "Cualquiera"
        )


def test_status_sweep_transitions_and_freezes_at_resolution(sla_db: None) -> None:
    t0 = mty(2026, 6, 10, 10)
    with dbmod.session_scope() as db:
        late = sla_ticket(db, "urgent", t0)
        kept = sla_ticket(db, "urgent", t0)
        waiting = sla_ticket(db, "urgent", t0)
        kept.first_responded_at = t0 + timedelta(minutes=5)
        apply_transition(db, waiting, TicketState.waiting, t0 + timedelta(minutes=1))
        ids = (late.id, kept.id, waiting.id)

    def sweep(minutes: int) -> tuple[int, list[SlaStatus | None]]:
        now = t0 + timedelta(minutes=minutes)
        with dbmod.session_scope() as db:
            n = sla.refresh_statuses(db, now)
        with dbmod.session_scope() as db:
            rows = [db.get(Ticket, i) for i in ids]
            statuses = [r.sla_status if r else None for r in rows]
            for r in rows:  # the one-ticket rule agrees with the set-based one
                assert r is not None
                assert sla.status_for(r, now, policies.load_config(db)) == r.sla_status
        return n, statuses

    on, risk, br, paused = (
        SlaStatus.on_track,
        SlaStatus.at_risk,
        SlaStatus.breached,
        SlaStatus.paused,
    )
    assert sweep(10) == (0, [on, on, paused])
    assert sweep(25) == (1, [risk, on, paused])  # 25 of 30 minutes: past 80 %
    assert sweep(25) == (0, [risk, on, paused])  # nothing changes, nothing is written
    assert sweep(31) == (1, [br, on, paused])
    assert sweep(200) == (1, [br, risk, paused])  # 200 of 240 minutes of resolution

    with dbmod.session_scope() as db:
        for i in ids[:2]:
            t = db.get(Ticket, i)
            assert t is not None
            t.first_responded_at = t.first_responded_at or t0 + timedelta(minutes=35)
            apply_transition(db, t, TicketState.resolved, t0 + timedelta(minutes=210))
    # Resolving froze the status at once (met / still breached): the sweep has nothing to do.
    assert sweep(215) == (0, [br, SlaStatus.met, paused])
    with dbmod.session_scope() as db:
        t = db.get(Ticket, ids[1])
        assert t is not None
        apply_transition(db, t, TicketState.closed, t0 + timedelta(minutes=300))
    assert sweep(300) == (0, [br, SlaStatus.met, paused])  # frozen at resolution


def test_remaining_business_minutes(sla_db: None) -> None:
    with dbmod.session_scope() as db:
        t = sla_ticket(db, "high", mty(2026, 6, 5, 17, 30))
        assert sla.remaining_business_minutes(db, t, mty(2026, 6, 5, 17, 45)) == {
            "first_response": 45.0,
            "resolution": 465.0,
        }
        # Overdue by 10 business minutes on Saturday morning.
        left = sla.remaining_business_minutes(db, t, mty(2026, 6, 6, 9, 40))
        assert left["first_response"] == -10.0
        t.first_responded_at = mty(2026, 6, 6, 9, 40)
        assert (
            sla.remaining_business_minutes(db, t, mty(2026, 6, 6, 9, 40))["first_response"] is None
        )


def test_config_cache_sees_edits_without_invalidation(sla_db: None) -> None:
    with dbmod.session_scope() as db:
        first = policies.load_config(db)
        assert policies.load_config(db) is first  # unchanged: served from the cache
        alta = db.get(SlaPolicy, policy_id(db, "Alta"))
        assert alta is not None
        alta.first_response_minutes = 90
        alta.updated_at = datetime.now(UTC)
        db.flush()
        # Within the TTL the cached configuration is served without a query...
        assert policies.load_config(db) is first
        # ...once it ages, the fingerprint query notices the edit.
        for key, (fp, cfg, _at) in list(policies._cache.items()):
            policies._cache[key] = (fp, cfg, _at - policies.CONFIG_TTL_S - 1)
        second = policies.load_config(db)
        assert second is not first
        assert second.policies[alta.id].first_response_minutes == 90


def test_resolving_sets_met_or_breached_at_once(sla_db: None) -> None:
    t0 = mty(2026, 6, 10, 10)
    with dbmod.session_scope() as db:
        quick = sla_ticket(db, "urgent", t0)
        quick.first_responded_at = t0 + timedelta(minutes=5)
        apply_transition(db, quick, TicketState.resolved, t0 + timedelta(hours=1))
        late = sla_ticket(db, "urgent", t0)
        late.first_responded_at = t0 + timedelta(minutes=5)
        apply_transition(db, late, TicketState.resolved, t0 + timedelta(hours=9))
        assert quick.sla_status == SlaStatus.met
        assert late.sla_status == SlaStatus.breached
        apply_transition(db, quick, TicketState.open, t0 + timedelta(hours=2))
        assert quick.sla_status in (SlaStatus.on_track, SlaStatus.at_risk)


def test_resolution_is_stamped_in_business_time_minus_the_pauses(sla_db: None) -> None:
    with dbmod.session_scope() as db:
        # Medium (business hours Mon-Fri 09-18, Sat 09-14), created Friday 17:00.
        t = sla_ticket(db, "medium", mty(2026, 6, 5, 17))
        apply_transition(db, t, TicketState.open, mty(2026, 6, 5, 17, 5))
        apply_transition(db, t, TicketState.in_progress, mty(2026, 6, 5, 17, 10))
        # Waiting on the customer Saturday 10:00-11:00 (one business hour paused).
        apply_transition(db, t, TicketState.waiting, mty(2026, 6, 6, 10))
        apply_transition(db, t, TicketState.in_progress, mty(2026, 6, 6, 11))
        # Resolved Monday 10:00: Fri 17-18 (60) + Sat 09-14 (300) + Mon 09-10 (60) = 420
        # business minutes, minus the 60 paused = 360; wall clock would be 65 hours.
        apply_transition(db, t, TicketState.resolved, mty(2026, 6, 8, 10))
        assert t.resolution_business_s == 360 * 60
        # Reopening clears it; resolving again stamps the new span.
        apply_transition(db, t, TicketState.open, mty(2026, 6, 8, 11))
        assert t.resolution_business_s is None
        apply_transition(db, t, TicketState.resolved, mty(2026, 6, 8, 12))
        assert t.resolution_business_s == (420 + 120 - 60) * 60
        # No policy: nothing stamped (reports use wall-clock time for it).
        t.sla_policy_id = None
        assert sla.business_seconds_to(db, t, mty(2026, 6, 8, 12)) is None
