"""WTForms on Litestar: read the posted form, and put domain errors next to the field they concern."""

from __future__ import annotations

from collections.abc import Iterator

from litestar import Request
from wtforms import DateField, Form
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from app.shared.errors import DomainError
from app.web.params import DayWindow, whole_number


class FormInput:
    """Litestar's form multidict with the ``getlist`` WTForms expects.

    Only text reaches the forms (a file posted in a text field is ignored), and NUL characters
    are dropped: nobody types them, and PostgreSQL refuses them in text columns.
    """

    def __init__(self, data) -> None:
        self._data = data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def getlist(self, name: str) -> list:
        return [value.replace("\x00", "") for value in self._data.getall(name, []) if isinstance(value, str)]


async def bind_form(form_class: type[Form], request: Request, **kwargs) -> Form:
    return form_class(FormInput(await request.form()), **kwargs)


def add_domain_error(form: Form, error: DomainError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


def strip(value):
    """A field filter: surrounding spaces never count."""
    return value.strip() if isinstance(value, str) else value


def choice_id(value) -> int | None:
    """A posted <select> value as a number (an id, or minutes); anything else (empty, tampered,
    past what the database holds) reads as no choice."""
    if isinstance(value, int):
        return value
    return whole_number(value)


def require_choice(message: str):
    """A validator: the value must be one of the field's offered choices (not the placeholder)."""

    def check(form: Form, field) -> None:
        allowed = {choice.value for choice in field.choices if choice.value != ""}
        if field.data is None or field.data not in allowed:
            raise ValidationError(message)

    return check


def choices(pairs, placeholder: str | None = None) -> list[SelectChoice]:
    """<select> options from (value, label) pairs, after an empty placeholder option if given."""
    options = [SelectChoice("", placeholder)] if placeholder else []
    return options + [SelectChoice(value, label) for value, label in pairs]


class DayField(DateField):
    """A date input whose day must lie in a window the form sets once it knows today (``allow``).

    ``outside`` is the message for other days; it may name ``{first}`` and ``{last}``. The window
    also becomes the input's min and max, so the browser's date picker offers only those days.
    """

    def __init__(self, label=None, validators=None, *, outside: str, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.outside = outside
        self.window: DayWindow | None = None

    def allow(self, window: DayWindow) -> None:
        self.window = window
        self.render_kw = {
            **(self.render_kw or {}),
            "min": window.first.isoformat(),
            "max": window.last.isoformat(),
        }

    def pre_validate(self, form: Form) -> None:
        if self.data is not None and self.window is not None and self.data not in self.window:
            first, last = (f"{day.day} {day:%B %Y}" for day in (self.window.first, self.window.last))
            raise ValidationError(self.outside.format(first=first, last=last))
