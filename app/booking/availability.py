"""Who is free when: a team member is in at most one live booking at any instant.

A booking occupies its team member from its start until its end plus the provider's buffer
(travel to the next customer, setting up): its *claim*. Two claims of one member never overlap,
whichever services they are for, except the seats of one group session (one slot), which share
their instructor. The database enforces the same rule on every write (an exclusion constraint on
PostgreSQL, triggers on SQLite); these functions decide what to offer, whom to send and what a
closed time covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Claim:
    """The time a live booking takes from its team member."""

    member_id: int
    slot_id: int
    starts_at: datetime
    claim_until: datetime


@dataclass(frozen=True, slots=True)
class MemberSlot:
    """A start time of one service with one team member (``booked`` of ``capacity`` seats taken)."""

    slot_id: int
    member_id: int
    starts_at: datetime
    ends_at: datetime
    claim_until: datetime
    capacity: int = 1
    booked: int = 0
    is_closed: bool = False
    book_by: datetime | None = None
    is_withdrawn: bool = False  # out of the hours, kept only for the bookings on it


def claim_end(ends_at: datetime, buffer_minutes: int) -> datetime:
    """Until when a visit ending at ``ends_at`` keeps its team member busy."""
    return ends_at + timedelta(minutes=buffer_minutes)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges: a visit ending at 11:00 and one starting at 11:00 don't overlap."""
    return a_start < b_end and b_start < a_end


def clashes(slot: MemberSlot, claim: Claim) -> bool:
    """Booking ``slot`` would put its member in two places at once because of ``claim``."""
    return (
        claim.member_id == slot.member_id
        and claim.slot_id != slot.slot_id
        and overlaps(slot.starts_at, slot.claim_until, claim.starts_at, claim.claim_until)
    )


def is_free(slot: MemberSlot, claims: Iterable[Claim], *, now: datetime) -> bool:
    """A seat is left, the time is open, for sale and still bookable, and the member is not busy
    elsewhere."""
    if slot.booked >= slot.capacity or slot.is_closed or slot.is_withdrawn:
        return False
    if slot.book_by is not None and slot.book_by < now:
        return False
    return not any(clashes(slot, claim) for claim in claims)


def free_starts(slots: Iterable[MemberSlot], claims: Iterable[Claim], *, now: datetime) -> list[datetime]:
    """The start times at which at least one team member can take the booking."""
    claims = list(claims)
    return sorted({slot.starts_at for slot in slots if is_free(slot, claims, now=now)})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A free team member for a chosen start time, with what decides who goes."""

    slot_id: int
    member_id: int
    booked: int  # seats already taken in this member's session (group services)
    day_load: int  # the member's live bookings that day
    position: int  # the member's place in the team list


def preferred(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The order "anyone available" tries team members in.

    A group session that already has people fills up before another instructor starts one;
    otherwise the member with the fewest bookings that day goes, so work is shared; the team's
    own order breaks ties.
    """
    return sorted(candidates, key=lambda c: (-c.booked, c.day_load, c.position, c.member_id))


def subtract(
    start: datetime, end: datetime, cut_start: datetime, cut_end: datetime
) -> list[tuple[datetime, datetime]]:
    """What remains of the range [start, end) once [cut_start, cut_end) is taken out (0-2 pieces)."""
    if not overlaps(start, end, cut_start, cut_end):
        return [(start, end)]
    pieces = []
    if start < cut_start:
        pieces.append((start, cut_start))
    if cut_end < end:
        pieces.append((cut_end, end))
    return pieces


def is_closed(
    member_id: int, starts_at: datetime, ends_at: datetime, closures: Iterable[tuple[int, datetime, datetime]]
) -> bool:
    """A closed time of the member (``(member_id, starts_at, ends_at)``) covers part of the visit."""
    return any(
        member == member_id and overlaps(starts_at, ends_at, closed_from, closed_until)
        for member, closed_from, closed_until in closures
    )
