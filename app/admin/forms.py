"""Forms for the city's lists, which administrators keep."""

from __future__ import annotations

from wtforms import FloatField, Form, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.web.forms import strip


class NameForm(Form):
    name = StringField(
        "Name",
        [DataRequired("Enter a name."), Length(max=80, message="Use at most 80 characters.")],
        filters=[strip],
    )


class CategoryForm(NameForm):
    description = TextAreaField(
        "Description",
        [Length(max=300, message="Use at most 300 characters.")],
        filters=[strip],
        description="One sentence for the category page; add local words residents search for.",
        render_kw={"rows": 2},
    )


class NeighbourhoodForm(NameForm):
    latitude = FloatField(
        "Latitude",
        [InputRequired("Enter the latitude of the centre."), NumberRange(-90, 90, "Between -90 and 90.")],
    )
    longitude = FloatField(
        "Longitude",
        [
            InputRequired("Enter the longitude of the centre."),
            NumberRange(-180, 180, "Between -180 and 180."),
        ],
    )
