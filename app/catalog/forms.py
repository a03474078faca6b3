"""Provider dashboard forms: profile, opening hours, services, photos."""

from __future__ import annotations

from wtforms import (
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.catalog.hours import (
    HALF_INTERVAL,
    MAX_INTERVALS_PER_DAY,
    WEEKDAYS,
    Interval,
    day_problem,
    parse_time,
)
from app.catalog.rules import ServiceLocation, capacity_problem, price_problem
from app.shared.money import AmountError, parse_amount
from app.shared.text import slugify
from app.web.forms import choice_id, choices, require_choice, strip

LOCATION_LABELS = {
    ServiceLocation.customer_address.value: "At the customer's home",
    ServiceLocation.provider_premises.value: "At my premises",
}
NOTICE_CHOICES = [
    (30, "30 minutes"),
    (60, "1 hour"),
    (120, "2 hours"),
    (240, "4 hours"),
    (1440, "1 day"),
    (2880, "2 days"),
]
BUFFER_CHOICES = [
    (0, "None"),
    (10, "10 minutes"),
    (15, "15 minutes"),
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "1 hour"),
]
HORIZON_CHOICES = [(7, "1 week"), (14, "2 weeks"), (30, "30 days"), (60, "60 days"), (90, "90 days")]


class ProfileForm(Form):
    name = StringField(
        "Business name", [DataRequired("Enter your business name."), Length(max=120)], filters=[strip]
    )
    slug = StringField(
        "Web address",
        [DataRequired("Choose a web address."), Length(max=80, message="Use at most 80 characters.")],
        filters=[strip],
        description="Your page is at /providers/ followed by this. Lower-case letters, digits and dashes.",
    )
    description = TextAreaField(
        "About your business",
        [Length(max=2000, message="Use at most 2000 characters.")],
        filters=[strip],
        description="What you do, since when, what makes you reliable. Residents read this before booking.",
        render_kw={"rows": 6, "maxlength": 2000},
    )
    neighbourhood = SelectField(
        "Where your business is based",
        coerce=choice_id,
        validate_choice=False,
        validators=[require_choice("Choose the neighbourhood your business is based in.")],
    )
    service_area = SelectMultipleField(
        "Neighbourhoods you travel to",
        coerce=choice_id,
        validate_choice=False,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        description="For services at the customer's home. Your own neighbourhood is always included.",
    )
    address = StringField(
        "Address",
        [Length(max=200)],
        filters=[strip],
        description="Shown only for services at your premises.",
        render_kw={"autocomplete": "street-address"},
    )
    phone = StringField(
        "Phone",
        [Length(max=40)],
        filters=[strip],
        description="For Cityloop and for customers with a booking; never shown on your public page.",
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )

    def __init__(self, *args, neighbourhoods: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.neighbourhood.choices = choices(neighbourhoods, "Choose a neighbourhood")
        self.service_area.choices = choices(neighbourhoods)

    def validate_slug(self, field: StringField) -> None:
        if slugify(field.data or "") != field.data:
            raise ValidationError("Use lower-case letters, digits and dashes, like fontaneria-russafa.")

    def validate_service_area(self, field: SelectMultipleField) -> None:
        allowed = {choice.value for choice in field.choices}
        field.data = [value for value in (field.data or []) if value in allowed]


class WeekHoursForm(Form):
    """Two opening intervals per weekd"""

    def __init__(self, formdata=None, *, intervals: list[Interval] | None = None, **kwargs) -> None:
        super().__init__(formdata, **kwargs)
        self.intervals: list[Interval] = []
        self.day_errors: dict[int, str] = {}
        self.raw: dict[str, str] = {}
        if formdata is None:
            by_day: dict[int, list[Interval]] = {}
            for interval in sorted(intervals or []):
                by_day.setdefault(interval.weekday, []).append(interval)
            for day, day_intervals in by_day.items():
                for n, interval in enumerate(day_intervals[:MAX_INTERVALS_PER_DAY], start=1):
                    self.raw[f"d{day}_opens_{n}"] = f"{interval.opens // 60:02d}:{interval.opens % 60:02d}"
                    self.raw[f"d{day}_closes_{n}"] = f"{interval.closes // 60:02d}:{interval.closes % 60:02d}"
        else:
            for day in range(7):
                for n in range(1, MAX_INTERVALS_PER_DAY + 1):
                    for edge in ("opens", "closes"):
                        name = f"d{day}_{edge}_{n}"
                        values = formdata.getlist(name)
                        self.raw[name] = values[0].strip()[:10] if values else ""

    def days(self) -> list[tuple[int, str]]:
        return list(enumerate(WEEKDAYS))

    def value(self, name: str) -> str:
        return self.raw.get(name, "")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for day in range(7):
            day_intervals = []
            for n in range(1, MAX_INTERVALS_PER_DAY + 1):
                opens, closes = self.raw.get(f"d{day}_opens_{n}", ""), self.raw.get(f"d{day}_closes_{n}", "")
                if not opens and not closes:
                    continue
                if not opens or not closes:
                    self.day_errors[day] = HALF_INTERVAL
                    break
                try:
                    day_intervals.append(Interval(day, parse_time(opens), parse_time(closes)))
                except ValueError as error:
                    self.day_errors[day] = str(error)
                    break
            if day not in self.day_errors and (problem := day_problem(day_intervals)):
                self.day_errors[day] = problem
            self.intervals += day_intervals
        return valid and not self.day_errors

    def validate_own(self, *, follow: bool, empty: str) -> bool:
        """Hours of one's own, or (``follow``) the business's: following is always valid; own
        hours need right days and at least one range (``empty`` says so otherwise)."""
        if follow:
            return True
        if not self.validate():
            return False
        if not self.intervals:
            self.form_errors.append(empty)
            return False
        return True


class HoursForm(WeekHoursForm):
    """The business's weekly hours and its booking rules."""

    min_notice_minutes = SelectField(
        "Minimum notice",
        coerce=choice_id,
        validate_choice=False,
        choices=choices(NOTICE_CHOICES),
        validators=[require_choice("Choose how much notice you need.")],
        description="How long before a visit residents can still book it.",
    )
    horizon_days = SelectField(
        "Bookable ahead",
        coerce=choice_id,
        validate_choice=False,
        choices=choices(HORIZON_CHOICES),
        validators=[require_choice("Choose how far ahead residents can book.")],
    )
    buffer_minutes = SelectField(
        "Time between jobs",
        coerce=choice_id,
        validate_choice=False,
        choices=choices(BUFFER_CHOICES),
        validators=[require_choice("Choose how much time you need between jobs.")],
        description="Kept free after each booking, to travel to the next customer.",
    )


class ServiceForm(Form):
    name = StringField("Service name", [DataRequired("Name the service."), Length(max=120)], filters=[strip])
    category = SelectField(
        "Category",
        coerce=choice_id,
        validate_choice=False,
        validators=[require_choice("Choose a category.")],
    )
    description = TextAreaField(
        "Description",
        [Length(max=1000, message="Use at most 1000 characters.")],
        filters=[strip],
        description="What's included, what the customer should prepare.",
        render_kw={"rows": 4, "maxlength": 1000},
    )
    duration_minutes = IntegerField(
        "Duration (minutes)",
        [
            InputRequired("Say how long the service takes, in minutes."),
            NumberRange(15, 720, "Between 15 minutes and 12 hours."),
        ],
        render_kw={"inputmode": "numeric", "min": 15, "max": 720, "step": 5},
    )
    online_price = StringField(
        "Online price",
        [DataRequired("Enter the price residents pay online.")],
        filters=[strip],
        description="What residents pay when they book and pay on Cityloop.",
        render_kw={"inputmode": "decimal"},
    )
    list_price = StringField(
        "In-store price",
        [DataRequired("Enter your usual price.")],
        filters=[strip],
        description="Your usual price when customers pay you directly. The online price can't be higher.",
        render_kw={"inputmode": "decimal"},
    )
    location = SelectField(
        "Where it happens",
        choices=choices(LOCATION_LABELS.items()),
        validate_choice=False,
        validators=[require_choice("Choose where the service happens.")],
    )
    capacity = IntegerField(
        "Customers in one session",
        [
            InputRequired("Say how many customers one person serves at once."),
            NumberRange(1, 20, "Between 1 and 20."),
        ],
        default=1,
        description=(
            "1 for one customer at a time. More only for a class or group at your premises, where one "
            "person serves several customers together. To take more visits at once, add people to your team."
        ),
        render_kw={"inputmode": "numeric", "min": 1, "max": 20},
    )
    members = SelectMultipleField(
        "Who on your team does it",
        validate_choice=False,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        description="Residents can book it with any of them, or ask for one.",
    )

    def __init__(
        self, *args, categories: list[tuple[int, str]], team: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = choices(categories, "Choose a category")
        self.members.choices = choices(team)
        self.online_price_cents: int | None = None
        self.list_price_cents: int | None = None

    def _cents(self, field: StringField) -> int:
        try:
            return parse_amount(field.data or "")
        except AmountError as error:
            raise ValidationError(str(error)) from error

    def validate_online_price(self, field: StringField) -> None:
        self.online_price_cents = self._cents(field)

    def validate_list_price(self, field: StringField) -> None:
        self.list_price_cents = self._cents(field)

    def validate_members(self, field: SelectMultipleField) -> None:
        offered = {choice.value for choice in field.choices}
        field.data = [value for value in (field.data or []) if value in offered]
        if len(offered) > 1 and not field.data:
            raise ValidationError("Choose who on your team does this service.")

    def validate_capacity(self, field: IntegerField) -> None:
        location = self.location.data
        problem = (
            capacity_problem(ServiceLocation(location), field.data)
            if field.data and location in LOCATION_LABELS
            else None
        )
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        both = self.online_price_cents is not None and self.list_price_cents is not None
        if both and (problem := price_problem(self.online_price_cents, self.list_price_cents)):
            field, message = problem
            self[field].errors = [*self[field].errors, message]
            return False
        return valid
