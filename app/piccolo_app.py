"""The one Piccolo app: every domain's tables; migrations live in ../migrations."""

from piccolo.conf.apps import AppConfig

from app.accounts.tables import ThrottleEvent, UserAccount, UserSession
from app.analytics.tables import ProviderViewDay
from app.audit.tables import AdminAction
from app.booking.tables import Booking, ClosedTime, Slot, TimeOff
from app.catalog.tables import (
    Category,
    Neighbourhood,
    OpeningHours,
    Provider,
    ProviderPhoto,
    ProviderServiceArea,
    Service,
    TeamMember,
    TeamMemberHours,
    TeamMemberService,
)
from app.jobs.tables import DailyJob
from app.payments.tables import Payment, Refund, StripeEvent
from app.redemption.tables import RedemptionLog
from app.reviews.tables import ModerationDecision, Review, ReviewPhoto, ReviewReport
from app.settings import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name="cityloop",
    migrations_folder_path=str(PROJECT_ROOT / "migrations"),
    table_classes=[
        UserAccount,
        UserSession,
        ThrottleEvent,
        Neighbourhood,
        Category,
        Provider,
        ProviderServiceArea,
        Service,
        ProviderPhoto,
        OpeningHours,
        ProviderViewDay,
        Review,
        Slot,
        DailyJob,
        TimeOff,
        Booking,
        Payment,
        Refund,
        StripeEvent,
        RedemptionLog,
        ReviewPhoto,
        ReviewReport,
        ModerationDecision,
        AdminAction,
        TeamMember,
        TeamMemberService,
        TeamMemberHours,
        ClosedTime,
    ],
    migration_dependencies=[],
    commands=[],
)
