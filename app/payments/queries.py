"""Reads for money: a booking's payments and refunds, a provider's earnings, the admin's payouts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app import database
from app.booking.state import Status
from app.booking.tables import Booking
from app.catalog.tables import Provider
from app.payments.rules import Ledger, PaymentStatus, ledger
from app.payments.tables import Payment, Refund
from app.shared.citytime import city_day_bounds, to_city

REFUND_LABELS = {
    "pending": "On its way",
    "succeeded": "Refunded",
    "failed": "Failed: our team is on it",
}


@dataclass(frozen=True, slots=True)
class RefundLine:
    amount_cents: int
    status: str
    reason: str
    requested_by: str
    created_at: datetime
    completed_at: datetime | None
    failure_message: str

    @property
    def label(self) -> str:
        return REFUND_LABELS[self.status]


@dataclass(frozen=True, slots=True)
class PaymentLine:
    attempt: int
    amount_cents: int
    status: PaymentStatus
    stripe_payment_intent: str | None
    failure_message: str
    created_at: datetime
    succeeded_at: datetime | None


@dataclass(frozen=True, slots=True)
class BookingMoney:
    payments: list[PaymentLine]
    refunds: list[RefundLine]
    ledger: Ledger

    @property
    def paid_at(self) -> datetime | None:
        return next((p.succeeded_at for p in self.payments if p.status is PaymentStatus.succeeded), None)

    @property
    def last_failure(self) -> str:
        failed = [p for p in self.payments if p.status is PaymentStatus.failed]
        return failed[-1].failure_message if failed else ""

    @property
    def in_flight(self) -> bool:
        """A payment is unfinished, even one whose PaymentIntent was never recorded (its request
        may have died): the page asks the payment services to bring it up to date."""
        return any(p.status.in_flight for p in self.payments)


async def booking_money(booking_id: int) -> BookingMoney:
    booking = await (
        Booking.select(Booking.commission_basis_points, Booking.earning_released_at)
        .where(Booking.id == booking_id)
        .first()
    )
    payments = [
        PaymentLine(
            attempt=row["attempt"],
            amount_cents=row["amount_cents"],
            status=PaymentStatus(row["status"]),
            stripe_payment_intent=row["stripe_payment_intent"],
            failure_message=row["failure_message"],
            created_at=row["created_at"],
            succeeded_at=row["succeeded_at"],
        )
        for row in await Payment.select().where(Payment.booking == booking_id).order_by(Payment.attempt)
    ]
    refunds = [
        RefundLine(
            amount_cents=row["amount_cents"],
            status=row["status"],
            reason=row["reason"],
            requested_by=row["requested_by"],
            created_at=row["created_at"],
            completed_at=row["completed_at"],
            failure_message=row["failure_message"],
        )
        for row in await Refund.select().where(Refund.booking == booking_id).order_by(Refund.id)
    ]
    return BookingMoney(
        payments=payments,
        refunds=refunds,
        ledger=ledger(
            paid_cents=sum(p.amount_cents for p in payments if p.status is PaymentStatus.succeeded),
            refunded_cents=sum(r.amount_cents for r in refunds if r.status != "failed"),
            commission_basis_points=booking["commission_basis_points"],
            released=booking["earning_released_at"] is not None,
        ),
    )


# --- earnings and payouts ---------------------------------------------------------------------

# Per booking: what was paid and what is refunded or on its way back.
_MONEY_SQL = """
SELECT booking.id, booking.public_id, booking.provider, booking.status, booking.starts_at,
       booking.earning_released_at, booking.commission_basis_points,
       service.name AS service_name, user_account.display_name AS customer,
       (SELECT COALESCE(SUM(payment.amount_cents), 0) FROM payment
         WHERE payment.booking = booking.id AND payment.status = 'succeeded') AS paid_cents,
       (SELECT COALESCE(SUM(refund.amount_cents), 0) FROM refund
         WHERE refund.booking = booking.id AND refund.status IN ('pending', 'succeeded')) AS refunded_cents
FROM booking
JOIN service ON service.id = booking.service
JOIN user_account ON user_account.id = booking.resident
WHERE {where}
ORDER BY booking.earning_released_at DESC, booking.starts_at DESC
"""


@dataclass(frozen=True, slots=True)
class EarningLine:
    public_id: str
    provider_id: int
    status: Status
    service_name: str
    customer: str
    starts_at: datetime
    released_at: datetime | None
    ledger: Ledger


@dataclass(slots=True)
class Totals:
    bookings: int = 0
    paid_cents: int = 0
    refunded_cents: int = 0
    commission_cents: int = 0
    earning_cents: int = 0

    def add(self, entry: Ledger) -> None:
        self.bookings += 1
        self.paid_cents += entry.paid_cents
        self.refunded_cents += entry.refunded_cents
        self.commission_cents += entry.commission_cents
        self.earning_cents += entry.earning_cents


async def _earning_lines(where: str, *values) -> list[EarningLine]:
    rows = await Booking.raw(_MONEY_SQL.format(where=where), *values)
    return [
        EarningLine(
            public_id=row["public_id"],
            provider_id=row["provider"],
            status=Status(row["status"]),
            service_name=row["service_name"],
            customer=row["customer"],
            starts_at=database.instant_from_db(row["starts_at"]),
            released_at=database.instant_from_db(row["earning_released_at"])
            if row["earning_released_at"]
            else None,
            ledger=ledger(
                paid_cents=row["paid_cents"],
                refunded_cents=row["refunded_cents"],
                commission_basis_points=row["commission_basis_points"],
                released=row["earning_released_at"] is not None,
            ),
        )
        for row in rows
    ]


def months_before(month: date, count: int) -> date:
    """The first day of the month ``count`` months before ``month`` (negative: after)."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where a city month begins and the next one begins."""
    start, following = month.replace(day=1), months_before(month, -1)
    return city_day_bounds(start, zone)[0], city_day_bounds(following, zone)[0]


@dataclass
class MonthEarnings:
    month: date
    totals: Totals = field(default_factory=Totals)


@dataclass
class ProviderEarnings:
    pending: Totals
    pending_lines: list[EarningLine]
    months: list[MonthEarnings]
    recent: list[EarningLine]


async def provider_earnings(
    provider_id: int, *, since: datetime, zone: ZoneInfo, recent: int = 20
) -> ProviderEarnings:
    """Pending (paid, not yet redeemed) and released earnings by city month since ``since``."""
    pending_lines = await _earning_lines(
        "booking.provider = {} AND booking.status = {} AND booking.earning_released_at IS NULL",
        provider_id,
        Status.confirmed.value,
    )
    pending = Totals()
    for line in pending_lines:
        pending.add(line.ledger)
    released = await _earning_lines(
        "booking.provider = {} AND booking.earning_released_at >= {}", provider_id, since
    )
    months: dict[date, MonthEarnings] = {}
    for line in released:
        month = to_city(line.released_at, zone).date().replace(day=1)
        months.setdefault(month, MonthEarnings(month)).totals.add(line.ledger)
    return ProviderEarnings(
        pending=pending,
        pending_lines=sorted(pending_lines, key=lambda line: line.starts_at),
        months=sorted(months.values(), key=lambda m: m.month, reverse=True),
        recent=[line for line in released if line.ledger.paid_cents][:recent],
    )


@dataclass
class ProviderPayout:
    provider_id: int
    name: str
    slug: str
    totals: Totals


async def released_between(
    start: datetime, end: datetime, provider_id: int | None = None
) -> list[EarningLine]:
    where = "booking.earning_released_at >= {} AND booking.earning_released_at < {}"
    values: list = [start, end]
    if provider_id is not None:
        where += " AND booking.provider = {}"
        values.append(provider_id)
    return [line for line in await _earning_lines(where, *values) if line.ledger.paid_cents]


async def payouts(start: datetime, end: datetime) -> list[ProviderPayout]:
    """What each provider earned (released) in a period: the monthly payout."""
    by_provider: dict[int, Totals] = {}
    for line in await released_between(start, end):
        by_provider.setdefault(line.provider_id, Totals()).add(line.ledger)
    if not by_provider:
        return []
    providers = await Provider.select(Provider.id, Provider.name, Provider.slug).where(
        Provider.id.is_in(list(by_provider))
    )
    return sorted(
        (ProviderPayout(p["id"], p["name"], p["slug"], by_provider[p["id"]]) for p in providers),
        key=lambda payout: payout.name.lower(),
    )
