"""Reads for the team: a provider's people, what they do and when they work."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.hours import Interval
from app.catalog.tables import TeamMember, TeamMemberHours, TeamMemberService


@dataclass(frozen=True, slots=True)
class MemberView:
    id: int
    public_id: str
    name: str
    photo_key: str
    photo_width: int
    is_active: bool
    position: int
    service_ids: frozenset[int]
    own_hours: list[Interval]  # empty: the member follows the business hours

    @property
    def initials(self) -> str:
        return initials(self.name)


@dataclass(frozen=True, slots=True)
class MemberChoice:
    """A person a resident can ask for."""

    id: int
    public_id: str
    name: str
    photo_key: str
    photo_width: int

    @property
    def initials(self) -> str:
        return initials(self.name)


def initials(name: str) -> str:
    """ "Marta Soler Ruiz" -> "MS": shown where a member has no photo."""
    letters = [word[0] for word in name.split() if word[:1].isalpha()]
    return "".join(letters[:2]).upper() or "?"


async def team_of(provider_id: int, *, active_only: bool = False) -> list[MemberView]:
    """The provider's team in its order, with each member's services and own hours (three queries)."""
    query = TeamMember.select().where(TeamMember.provider == provider_id)
    if active_only:
        query = query.where(TeamMember.is_active.eq(True))
    members = await query.order_by(TeamMember.position).order_by(TeamMember.id)
    if not members:
        return []
    ids = [member["id"] for member in members]
    services: dict[int, set[int]] = {member_id: set() for member_id in ids}
    for row in await TeamMemberService.select().where(TeamMemberService.member.is_in(ids)):
        services[row["member"]].add(row["service"])
    hours: dict[int, list[Interval]] = {member_id: [] for member_id in ids}
    for row in await TeamMemberHours.select().where(TeamMemberHours.member.is_in(ids)):
        hours[row["member"]].append(Interval(row["weekday"], row["opens_minute"], row["closes_minute"]))
    return [
        MemberView(
            id=member["id"],
            public_id=member["public_id"],
            name=member["name"],
            photo_key=member["photo_key"],
            photo_width=member["photo_width"],
            is_active=member["is_active"],
            position=member["position"],
            service_ids=frozenset(services[member["id"]]),
            own_hours=sorted(hours[member["id"]]),
        )
        for member in members
    ]


async def member_of(provider_id: int, public_id: str) -> MemberView | None:
    return next((member for member in await team_of(provider_id) if member.public_id == public_id), None)


async def service_team(service_id: int) -> list[MemberChoice]:
    """The active members who perform a service, in the team's order (whom a resident may ask for)."""
    rows = await TeamMember.raw(
        "SELECT m.id, m.public_id, m.name, m.photo_key, m.photo_width FROM team_member m "
        "JOIN team_member_service ms ON ms.member = m.id "
        "WHERE ms.service = {} AND m.is_active ORDER BY m.position, m.id",
        service_id,
    )
    return [
        MemberChoice(row["id"], row["public_id"], row["name"], row["photo_key"], row["photo_width"])
        for row in rows
    ]
