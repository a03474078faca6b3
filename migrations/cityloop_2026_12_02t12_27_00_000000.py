"""Team scheduling on data that already exists, and the rule the database keeps from now on.

Every provider gets one team member, its owner, performing all of its services; its slots, days
off and bookings become that member's. A visit at home takes one person, so services at the
customer's address are set to one customer at a time. Visits that were sold at overlapping
times before this (one person in two places) can't all be the owner's: the earliest sold keeps
the owner and the others stay unassigned until the provider chooses who goes. Slots closed by
the provider become closed times of the owner.

From here on a team member is never in two overlapping live bookings (from the start until the
end plus the buffer), across all services, except the seats of one group session: an exclusion
constraint on PostgreSQL (btree_gist) and triggers on SQLite, where writers take turns, so the
second of two simultaneous bookings always sees the first.
"""

import secrets
from datetime import UTC, datetime, timedelta

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-02T12:27:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Team: owners as first members, per-member slots and bookings, no overlapping bookings"

LIVE = "('held', 'confirmed', 'redeemed')"
INDEXES = {
    "team_member_public_id_key": "CREATE UNIQUE INDEX team_member_public_id_key ON team_member (public_id)",
    "team_member_service_key": (
        "CREATE UNIQUE INDEX team_member_service_key ON team_member_service (member, service)"
    ),
    # One slot per service, start and member; (service, starts_at) still leads for a day's times.
    "slot_service_starts_member_key": (
        "CREATE UNIQUE INDEX slot_service_starts_member_key ON slot (service, starts_at, member)"
    ),
    "slot_member_starts_idx": "CREATE INDEX slot_member_starts_idx ON slot (member, starts_at)",
    # A member's live bookings by start: "is this member busy then" is one step of this index.
    "booking_member_live_idx": (
        f"CREATE INDEX booking_member_live_idx ON booking (member, starts_at) WHERE status IN {LIVE}"
    ),
    "time_off_member_idx": "CREATE INDEX time_off_member_idx ON time_off (member)",
    "closed_time_member_starts_idx": (
        "CREATE INDEX closed_time_member_starts_idx ON closed_time (member, starts_at)"
    ),
}
# The member's other live bookings never overlap each other (this trigger saw to it), so only
# the latest one starting before the new claim ends can overlap it: one step of the index.
OVERLAP = (
    "SELECT RAISE(ABORT, 'booking_member_overlap') WHERE (SELECT b.claim_until FROM booking b "
    f"WHERE b.member = NEW.member AND b.status IN {LIVE} AND b.slot <> NEW.slot AND b.id IS NOT NEW.id "
    "AND b.starts_at < NEW.claim_until ORDER BY b.starts_at DESC LIMIT 1) > NEW.starts_at;"
)
SQLITE_TRIGGERS = {
    "booking_member_overlap_insert": (
        "CREATE TRIGGER booking_member_overlap_insert BEFORE INSERT ON booking "
        f"WHEN NEW.member IS NOT NULL AND NEW.status IN {LIVE} BEGIN {OVERLAP} END"
    ),
    "booking_member_overlap_update": (
        "CREATE TRIGGER booking_member_overlap_update "
        "BEFORE UPDATE OF status, member, slot, starts_at, claim_until ON booking "
        f"WHEN NEW.member IS NOT NULL AND NEW.status IN {LIVE} BEGIN {OVERLAP} END"
    ),
}
POSTGRES_CONSTRAINT = (
    "ALTER TABLE booking ADD CONSTRAINT booking_member_no_overlap EXCLUDE USING gist "
    "(member WITH =, slot WITH <>, tstzrange(starts_at, claim_until) WITH &&) "
    f"WHERE (status IN {LIVE})"
)


def _instant(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _run(engine, sql: str, *args):
    return await engine.run_querystring(QueryString(sql, *args))


async def _assign_bookings(engine, provider: dict, member_id: int, buffer: timedelta) -> None:
    """Give the owner every booking it can take; overlapping live ones after the first stay unassigned."""
    rows = await _run(
        engine,
        "SELECT b.id, b.slot, b.status, b.starts_at, b.ends_at, b.created_at, s.location FROM booking b "
        "JOIN service s ON s.id = b.service WHERE b.provider = {} ORDER BY b.created_at, b.id",
        provider["id"],
    )
    taken: list[tuple[int, datetime, datetime, str]] = []  # (slot, start, claim end, location)
    for row in rows:
        starts, until = _instant(row["starts_at"]), _instant(row["ends_at"]) + buffer
        member = member_id
        if row["status"] in ("held", "confirmed", "redeemed"):
            clash = any(
                starts < other_until
                and other_start < until
                # Seats of one session at the premises share their instructor; a home visit doesn't.
                and (slot != row["slot"] or row["location"] == "customer_address")
                for slot, other_start, other_until, _ in taken
            )
            if clash:
                member = None
            else:
                taken.append((row["slot"], starts, until, row["location"]))
        await _run(
            engine,
            "UPDATE booking SET member = {}, claim_until = {} WHERE id = {}",
            member,
            until,
            row["id"],
        )


async def _backfill(engine) -> None:
    now = datetime.now(UTC)
    providers = await _run(
        engine,
        "SELECT p.id, p.name, p.buffer_minutes, u.display_name FROM provider p "
        "JOIN user_account u ON u.id = p.owner ORDER BY p.id",
    )
    # A visit at a customer's home takes one person for one customer.
    await _run(engine, "UPDATE service SET capacity = 1 WHERE location = 'customer_address'")
    await _run(
        engine,
        "UPDATE slot SET capacity = 1 WHERE service IN "
        "(SELECT id FROM service WHERE location = 'customer_address')",
    )
    for provider in providers:
        name = (provider["display_name"] or "").strip() or provider["name"]
        created = await _run(
            engine,
            "INSERT INTO team_member (public_id, provider, name, photo_key, photo_width, is_active, position, "
            "created_at) "
            "VALUES ({}, {}, {}, '', 0, TRUE, 0, {}) RETURNING id",
            secrets.token_hex(6),
            provider["id"],
            name[:80],
            now,
        )
        member_id = created[0]["id"]
        buffer = timedelta(minutes=provider["buffer_minutes"] or 0)
        await _run(
            engine,
            "INSERT INTO team_member_service (member, service) SELECT {}, id FROM service WHERE provider = {}",
            member_id,
            provider["id"],
        )
        await _run(engine, "UPDATE slot SET member = {} WHERE provider = {}", member_id, provider["id"])
        for slot in await _run(
            engine, "SELECT id, ends_at FROM slot WHERE provider = {}", provider["id"]
        ):
            await _run(
                engine,
                "UPDATE slot SET claim_until = {} WHERE id = {}",
                _instant(slot["ends_at"]) + buffer,
                slot["id"],
            )
        await _run(
            engine,
            "INSERT INTO closed_time (provider, member, starts_at, ends_at) "
            "SELECT provider, member, starts_at, ends_at FROM slot WHERE provider = {} AND is_closed",
            provider["id"],
        )
        await _assign_bookings(engine, provider, member_id, buffer)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cityloop", description=DESCRIPTION)

    async def backfill_and_guard():
        engine = engine_finder()
        await _backfill(engine)
        await engine.run_ddl("DROP INDEX IF EXISTS slot_service_starts_at_key")
        for statement in INDEXES.values():
            await engine.run_ddl(statement)
        if engine.engine_type == "sqlite":
            for statement in SQLITE_TRIGGERS.values():
                await engine.run_ddl(statement)
        else:
            await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS btree_gist")
            await engine.run_ddl(POSTGRES_CONSTRAINT)

    async def drop_guard():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for name in SQLITE_TRIGGERS:
                await engine.run_ddl(f"DROP TRIGGER IF EXISTS {name}")
        else:
            await engine.run_ddl("ALTER TABLE booking DROP CONSTRAINT IF EXISTS booking_member_no_overlap")
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS slot_service_starts_at_key ON slot (service, starts_at)"
        )

    manager.add_raw(backfill_and_guard)
    manager.add_raw_backwards(drop_guard)
    return manager
