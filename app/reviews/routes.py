"""Residents review their redeemed visits: write, edit while pending, add or remove photos, delete."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_login
from app.booking.pages import own_booking
from app.booking.queries import BookingView
from app.booking.state import Status
from app.media.storage import MediaStore
from app.media.uploads import MAX_UPLOAD_BYTES
from app.reviews import services
from app.reviews.forms import ReviewForm
from app.reviews.queries import OwnReview, review_of_booking
from app.reviews.rules import NOT_REDEEMED, PHOTO_LIMIT, author_may_edit
from app.shared.errors import DomainError
from app.web.context import ClockDep, SettingsDep
from app.web.flash import flash
from app.web.forms import FormInput, add_domain_error
from app.web.htmx import render
from app.web.route_options import PRIVATE
from app.web.uploads import posted_files, store_uploads

REVIEW_BODY_LIMIT = PHOTO_LIMIT * MAX_UPLOAD_BYTES + 1024 * 1024
THANKS = "Thank you! Your review will be published once a moderator has read it, usually within a day."
UPDATED = "Your review is updated. It will be published once a moderator has read it."
DELETED = "Your review is deleted."
PHOTOS_AGAIN = "Your photos weren't saved because of the problem above: choose them again."
TOO_MANY = f"Choose at most {PHOTO_LIMIT} photos."


def _user_id(request: Request) -> int:
    return request.scope["user"].id


async def _reviewable(request: Request, public_id: str) -> tuple[BookingView, OwnReview | None]:
    view = await own_booking(request, public_id)
    return view, await review_of_booking(view.id, _user_id(request))


def _page(
    request: Request,
    view: BookingView,
    review: OwnReview | None,
    form: ReviewForm,
    *,
    photo_errors: list[str] = (),
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "reviews/review_form.html",
        {
            "booking": view,
            "review": review,
            "form": form,
            "photo_errors": list(photo_errors),
            "photo_room": PHOTO_LIMIT - (len(review.photos) if review else 0),
            "photo_limit": PHOTO_LIMIT,
        },
        status_code=status_code,
        headers=PRIVATE,
    )


def _back_to_booking(view: BookingView) -> Redirect:
    return Redirect(f"/bookings/{view.public_id}", status_code=303)


@get("/bookings/{public_id:str}/review", name="booking_review", guards=[requires_login])
async def review_page(request: Request, public_id: FromPath[str]) -> Response:
    view, review = await _reviewable(request, public_id)
    if view.status is not Status.redeemed:
        flash(request, NOT_REDEEMED, "error")
        return _back_to_booking(view)
    if review is not None and not review.editable:
        return _back_to_booking(view)  # the booking page shows the review and the moderators' answer
    form = ReviewForm(obj=review) if review else ReviewForm()
    return _page(request, view, review, form)


@post("/bookings/{public_id:str}/review", guards=[requires_login], request_max_body_size=REVIEW_BODY_LIMIT)
async def review_submit(
    request: Request, public_id: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Response:
    view, review = await _reviewable(request, public_id)
    posted = await request.form()
    form = ReviewForm(FormInput(posted))
    files = posted_files(posted, "photos")
    room = PHOTO_LIMIT - (len(review.photos) if review else 0)
    if not form.validate() or len(files) > room:
        errors = [TOO_MANY] if len(files) > room else [PHOTOS_AGAIN] if files else []
        return _page(request, view, review, form, photo_errors=errors, status_code=422)
    store = MediaStore(settings.media_root)
    try:
        await services.review_save(
            booking_id=view.id,
            review_id=review.id if review else None,
            author_id=_user_id(request),
            stars=form.stars.data,
            body=form.body.data,
            store_files=lambda: store_uploads(store, files),
            store=store,
            now=clock.now(),
        )
    except services.PhotosUnusable as refused:
        return _page(request, view, review, form, photo_errors=refused.messages, status_code=422)
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, view, review, form, status_code=error.status_code)
    flash(request, THANKS if review is None else UPDATED)
    return _back_to_booking(view)


@post("/bookings/{public_id:str}/review/photos/{image_key:str}/delete", guards=[requires_login])
async def review_photo_delete(
    request: Request, public_id: FromPath[str], image_key: FromPath[str], settings: SettingsDep
) -> Redirect:
    view, review = await _reviewable(request, public_id)
    try:
        if review is None:
            raise DomainError(services.NO_REVIEW)
        key = await services.review_photo_delete(
            review_id=review.id, author_id=_user_id(request), image_key=image_key
        )
    except DomainError as error:
        flash(request, error.message, "error")
    else:
        MediaStore(settings.media_root).delete(key)
        flash(request, "The photo is removed from your review.")
    if review is not None and author_may_edit(review.status):
        return Redirect(f"/bookings/{view.public_id}/review", status_code=303)
    return _back_to_booking(view)


@post("/bookings/{public_id:str}/review/delete", guards=[requires_login])
async def review_delete(
    request: Request, public_id: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Redirect:
    view, review = await _reviewable(request, public_id)
    try:
        if review is None:
            raise DomainError(services.NO_REVIEW)
        keys = await services.review_delete(review_id=review.id, author_id=_user_id(request), now=clock.now())
    except DomainError as error:
        flash(request, error.message, "error")
    else:
        store = MediaStore(settings.media_root)
        for key in keys:
            store.delete(key)
        flash(request, DELETED)
    return _back_to_booking(view)


ROUTES = [review_page, review_submit, review_photo_delete, review_delete]
