"""Who is free when: one team member is never in two places, across services, buffers and DST."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.booking.availability import (
    Candidate,
    Claim,
    MemberSlot,
    claim_end,
    clashes,
    free_starts,
    is_closed,
    is_free,
    overlaps,
    preferred,
    subtract,
)
from app.booking.slots import days_off, slot_times
from app.catalog.hours import Interval, member_service_hours

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
T10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Valencia


def at(minutes: int) -> datetime:
    return T10 + timedelta(minutes=minutes)


def slot(slot_id: int, member: int, start: int, length: int = 60, buffer: int = 0, **extra) -> MemberSlot:
    return MemberSlot(
        slot_id=slot_id,
        member_id=member,
        starts_at=at(start),
        ends_at=at(start + length),
        claim_until=at(start + length + buffer),
        **extra,
    )


def claim(member: int, slot_id: int, start: int, until: int) -> Claim:
    return Claim(member, slot_id, at(start), at(until))


def test_ranges_that_only_touch_do_not_overlap():
    assert not overlaps(at(0), at(60), at(60), at(120))
    assert overlaps(at(0), at(61), at(60), at(120))


def test_a_booking_of_another_service_makes_the_same_member_busy():
    tap = slot(1, member=7, start=0)
    drain = claim(7, slot_id=2, start=30, until=90)
    assert clashes(tap, drain)
    assert not is_free(tap, [drain], now=NOW)


def test_another_member_or_the_same_group_session_is_no_clash():
    session = slot(1, member=7, start=0, capacity=8, booked=3)
    assert not clashes(session, claim(8, slot_id=2, start=0, until=60))  # someone else
    assert not clashes(session, claim(7, slot_id=1, start=0, until=60))  # a seat of this class
    assert is_free(session, [claim(7, 1, 0, 60)], now=NOW)


def test_the_buffer_keeps_the_member_busy_after_the_visit():
    visit = claim(7, slot_id=1, start=0, until=60 + 30)  # 60 minutes and 30 of travel
    assert clashes(slot(2, member=7, start=60), visit)
    assert not clashes(slot(3, member=7, start=90), visit)
    # ... and a visit before needs its own travel time before this one starts.
    assert clashes(slot(4, member=7, start=-60, buffer=15), claim(7, 5, 0, 60))
    assert claim_end(at(60), 30) == at(90)


def test_full_closed_withdrawn_or_too_late_slots_are_not_free():
    assert not is_free(slot(1, 7, 0, capacity=1, booked=1), [], now=NOW)
    assert not is_free(slot(1, 7, 0, is_closed=True), [], now=NOW)
    assert not is_free(slot(1, 7, 0, capacity=3, booked=1, is_withdrawn=True), [], now=NOW)
    assert not is_free(slot(1, 7, 0, book_by=NOW - timedelta(seconds=1)), [], now=NOW)
    assert is_free(slot(1, 7, 0, book_by=NOW), [], now=NOW)


def test_a_start_is_offered_while_any_member_is_free_then_taken_when_nobody_is():
    slots = [slot(1, member=7, start=0), slot(2, member=8, start=0)]
    assert free_starts(slots, [claim(7, 9, 0, 60)], now=NOW) == [at(0)]
    assert free_starts(slots, [claim(7, 9, 0, 60), claim(8, 10, 30, 45)], now=NOW) == []


def test_anyone_available_fills_a_class_then_shares_the_work_then_follows_the_team_order():
    joined = Candidate(slot_id=1, member_id=3, booked=2, day_load=5, position=2)
    idle = Candidate(slot_id=2, member_id=4, booked=0, day_load=0, position=1)
    busy = Candidate(slot_id=3, member_id=5, booked=0, day_load=3, position=0)
    first = Candidate(slot_id=4, member_id=6, booked=0, day_load=0, position=0)
    assert [c.slot_id for c in preferred([busy, idle, joined, first])] == [1, 4, 2, 3]


def test_reopening_part_of_a_closed_time_keeps_the_rest():
    assert subtract(at(0), at(240), at(60), at(120)) == [(at(0), at(60)), (at(120), at(240))]
    assert subtract(at(0), at(60), at(0), at(60)) == []
    assert subtract(at(0), at(60), at(60), at(120)) == [(at(0), at(60))]


def test_a_closed_time_closes_every_overlapping_visit_of_that_member_only():
    closures = [(7, at(60), at(120))]
    assert is_closed(7, at(30), at(90), closures)
    assert not is_closed(7, at(0), at(60), closures)
    assert not is_closed(8, at(60), at(120), closures)


# --- the whole week, as the slot rules make it ---------------------------------------------------

DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 23)]  # both DST Sundays, a Monday
quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: q * 15)


@st.composite
def intervals(draw, weekday: int) -> list[Interval]:
    opens = draw(quarter_hours)
    closes = draw(st.integers(min_value=opens // 15 + 1, max_value=96)) * 15
    return [Interval(weekday, opens, closes)]


@st.composite
def team_days(draw):
    """A day, business hours, a member's own hours (maybe), services and a buffer."""
    day = draw(st.sampled_from(DAYS))
    weekday = day.weekday()
    business = draw(intervals(weekday))
    members = draw(
        st.lists(st.one_of(st.just([]), intervals(weekday)), min_size=1, max_size=3)
    )  # [] follows the business hours
    durations = draw(st.lists(st.sampled_from([15, 30, 45, 60, 90, 120]), min_size=1, max_size=4))
    buffer = draw(st.sampled_from([0, 10, 15, 30]))
    off = draw(st.lists(st.booleans(), min_size=len(members), max_size=len(members)))
    return day, business, members, durations, buffer, off


def _member_slots(day, business, members, durations, buffer, off) -> list[MemberSlot]:
    slots = []
    for member, own in enumerate(members):
        for duration in durations:
            hours = member_service_hours(business=business, service_own=[], member_own=own)
            times = slot_times(
                hours,
                duration_minutes=duration,
                buffer_minutes=buffer,
                first_day=day,
                last_day=day,
                zone=MADRID,
                days_off=days_off([(day, day)], window=(day, day)) if off[member] else (),
            )
            for time in times:
                slots.append(
                    MemberSlot(
                        slot_id=len(slots),
                        member_id=member,
                        starts_at=time.starts_at,
                        ends_at=time.ends_at,
                        claim_until=claim_end(time.ends_at, buffer),
                    )
                )
    return slots


@settings(max_examples=150, deadline=None)
@given(team_days(), st.randoms(use_true_random=False))
def test_no_two_live_bookings_of_one_member_ever_overlap(team, rng):
    slots = _member_slots(*team)
    claims: list[Claim] = []
    booked: dict[int, int] = {}
    for _ in range(3 * len(slots)):
        if not slots:
            break
        chosen = rng.choice(slots)
        as_now = replace(chosen, booked=booked.get(chosen.slot_id, 0))
        if is_free(as_now, claims, now=NOW):
            claims.append(Claim(chosen.member_id, chosen.slot_id, chosen.starts_at, chosen.claim_until))
            booked[chosen.slot_id] = booked.get(chosen.slot_id, 0) + 1
    for n, first in enumerate(claims):
        for second in claims[n + 1 :]:
            if first.member_id == second.member_id:
                assert not overlaps(first.starts_at, first.claim_until, second.starts_at, second.claim_until)
    day, *_, off = team
    for s in slots:  # a day off leaves that member no slot at all
        assert not off[s.member_id]
        assert s.ends_at > s.starts_at and s.starts_at.astimezone(MADRID).date() == day


@settings(max_examples=100, deadline=None)
@given(team_days(), st.randoms(use_true_random=False))
def test_a_start_is_free_exactly_when_some_member_can_take_it(team, rng):
    slots = _member_slots(*team)
    claims = [
        Claim(s.member_id, s.slot_id, s.starts_at, s.claim_until)
        for s in rng.sample(slots, k=len(slots) // 3)
    ]
    offered = free_starts(slots, claims, now=NOW)
    for s in slots:
        busy = any(
            c.member_id == s.member_id
            and c.slot_id != s.slot_id
            and s.starts_at < c.claim_until
            and c.starts_at < s.claim_until
            for c in claims
        )
        if not busy:
            assert s.starts_at in offered
    for start in offered:
        assert any(s.starts_at == start and is_free(s, claims, now=NOW) for s in slots)
