"""Reads for the administrators' platform figures: week by week, in the city's calendar.

Every figure is one grouped query over the whole window (the weeks shown and as many before them),
so a page runs the same handful of queries whether it shows 4 weeks or 52. The week a row belongs
to is decided in SQL by comparing its instant with the window's UTC edges (a CASE over bound
parameters): portable between SQLite and PostgreSQL, and right across clock changes because the
edges are the city's Monday midnights.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.accounts.identity import Role
from app.accounts.tables import UserAccount
from app.admin.figures import WEEKS_DEFAULT, Window, figures_window, ratio
from app.booking.state import Status
from app.payments.queries import released_between
from app.payments.rules import PaymentStatus
from app.reviews.rules import ReviewStatus

REFUND_SUCCEEDED = "succeeded"  # payments.queries.REFUND_LABELS: pending | succeeded | failed


@dataclass(slots=True)
class Tally:
    """What happened on the platform in a week (or a period of weeks)."""

    bookings: int = 0  # confirmed (paid) in the period
    gmv_cents: int = 0  # succeeded payments
    refunded_cents: int = 0  # succeeded refunds
    commission_cents: int = 0  # Cityloop's share of the earnings released
    redeemed: int = 0  # visits that ended in the period, by outcome
    no_shows: int = 0
    reviews: int = 0  # approved reviews written in the period
    stars: int = 0
    new_residents: int = 0
    new_providers: int = 0

    def add(self, other: Tally) -> None:
        for name in _FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def visits(self) -> int:
        return self.redeemed + self.no_shows

    @property
    def redemption_rate(self) -> float | None:
        """Redeemed visits in percent of the visits with an outcome (redeemed or missed)."""
        return ratio(self.redeemed, self.visits)

    @property
    def refund_rate(self) -> float | None:
        """Money refunded in percent of the money paid in the same period."""
        return ratio(self.refunded_cents, self.gmv_cents)

    @property
    def average_rating(self) -> float | None:
        return self.stars / self.reviews if self.reviews else None


_FIELDS = tuple(f.name for f in fields(Tally))


@dataclass(frozen=True, slots=True)
class WeekFigures:
    starts_on: date  # the Monday
    tally: Tally


@dataclass(frozen=True, slots=True)
class PlatformFigures:
    window: Window
    weeks: list[WeekFigures]
    current: Tally = field(default_factory=Tally)
    previous: Tally = field(default_factory=Tally)


def _bucket(column: str, window: Window) -> tuple[str, list[datetime]]:
    """SQL giving the window bucket of ``column`` (see figures.Window), and its parameters."""
    whens = " ".join(f"WHEN {column} < {{}} THEN {i}" for i in range(window.bucket_count))
    return f"CASE {whens} END", list(window.edges[1:])


async def _grouped(
    window: Window, *, column: str, select: str, source: str, where: str = "", group: str = "", values=()
) -> list[dict]:
    """``select`` per bucket of ``column`` for the rows of ``source`` in the window."""
    bucket, bucket_values = _bucket(column, window)
    sql = (
        f"SELECT {bucket} AS bucket, {select} FROM {source} "
        f"WHERE {column} >= {{}} AND {column} < {{}}{where} GROUP BY 1{group}"
    )
    edges = [window.edges[0], window.edges[-1]]
    return await UserAccount.raw(sql, *bucket_values, *edges, *values)


async def platform_figures(*, now: datetime, zone: ZoneInfo, weeks: int = WEEKS_DEFAULT) -> PlatformFigures:
    """The weeks up to ``now`` (the current one so far) and the same span before, for comparison."""
    window = figures_window(now, zone, weeks)
    buckets = [Tally() for _ in range(window.bucket_count)]

    for row in await _grouped(
        window, column="booking.confirmed_at", select="COUNT(*) AS n", source="booking"
    ):
        buckets[row["bucket"]].bookings += row["n"]

    outcomes = f"""
        SUM(CASE WHEN booking.status = '{Status.redeemed.value}' THEN 1 ELSE 0 END) AS redeemed,
        SUM(CASE WHEN booking.status = '{Status.no_show.value}' THEN 1 ELSE 0 END) AS no_shows"""
    for row in await _grouped(
        window,
        column="booking.ends_at",
        select=outcomes,
        source="booking",
        # A visit counts once it is over (a code may be redeemed while the visit is still on).
        where=" AND booking.status IN ({}, {}) AND booking.ends_at <= {}",
        values=(Status.redeemed.value, Status.no_show.value, now),
    ):
        buckets[row["bucket"]].redeemed += row["redeemed"]
        buckets[row["bucket"]].no_shows += row["no_shows"]

    for row in await _grouped(
        window,
        column="payment.succeeded_at",
        select="SUM(payment.amount_cents) AS cents",
        source="payment",
        where=" AND payment.status = {}",
        values=(PaymentStatus.succeeded.value,),
    ):
        buckets[row["bucket"]].gmv_cents += row["cents"]

    for row in await _grouped(
        window,
        column="refund.completed_at",
        select="SUM(refund.amount_cents) AS cents",
        source="refund",
        where=" AND refund.status = {}",
        values=(REFUND_SUCCEEDED,),
    ):
        buckets[row["bucket"]].refunded_cents += row["cents"]

    for row in await _grouped(
        window,
        column="review.created_at",
        select="COUNT(*) AS n, SUM(review.stars) AS stars",
        source="review",
        where=" AND review.status = {}",
        values=(ReviewStatus.approved.value,),
    ):
        buckets[row["bucket"]].reviews += row["n"]
        buckets[row["bucket"]].stars += row["stars"]

    for row in await _grouped(
        window,
        column="user_account.created_at",
        select="user_account.role AS role, COUNT(*) AS n",
        source="user_account",
        where=" AND user_account.role IN ({}, {})",
        group=", user_account.role",
        values=(Role.resident.value, Role.provider.value),
    ):
        tally = buckets[row["bucket"]]
        if row["role"] == Role.resident.value:
            tally.new_residents += row["n"]
        else:
            tally.new_providers += row["n"]

    # The commission follows the payout rules (one ledger per booking, rounded once), so it is
    # summed from the same lines the monthly payouts are made of.
    for line in await released_between(window.edges[0], window.edges[-1]):
        bucket = window.bucket_of(line.released_at)
        if bucket is not None:
            buckets[bucket].commission_cents += line.ledger.commission_cents

    figures = PlatformFigures(
        window=window,
        weeks=[
            WeekFigures(starts_on=monday, tally=buckets[window.count + 1 + i])
            for i, monday in enumerate(window.weeks)
        ],
    )
    for bucket, tally in enumerate(buckets):
        if window.is_previous(bucket):
            figures.previous.add(tally)
        elif window.week_of(bucket) is not None:
            figures.current.add(tally)
    return figures
