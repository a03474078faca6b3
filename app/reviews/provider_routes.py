"""The provider's reviews: read them, reply once in public (and edit the reply), report one to moderators."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.catalog.pages import BusinessDep
from app.catalog.queries import Business
from app.reviews import services
from app.reviews.forms import ReasonForm, ReplyForm
from app.reviews.queries import provider_published_reviews, provider_review
from app.shared.errors import DomainError
from app.shared.paging import page_number
from app.web.context import ClockDep
from app.web.exceptions import PageMissing
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render, swap_or_redirect, wants_fragment
from app.web.params import PathId
from app.web.route_options import PRIVATE

REPLIED = "Your reply is published under the review."
REPLY_SAVED = "Your reply is updated."
REPORTED = "Thanks. A moderator will look at this review and decide whether it stays."


def _forms(review, failed: dict) -> dict:
    """The reply and report forms of one review row: the failed one as posted, the others empty."""
    kind, posted = failed.get(review.id, (None, None))
    reply = ReplyForm(prefix=f"reply-{review.id}-", data={"text": review.reply})
    report = ReasonForm(prefix=f"report-{review.id}-")
    return {"reply": posted if kind == "reply" else reply, "report": posted if kind == "report" else report}


class ProviderReviewsController(Controller):
    path = "/dashboard/reviews"
    guards = [requires_role(Role.provider)]

    @get("/", name="dashboard_reviews")
    async def reviews(self, request: Request, business: BusinessDep) -> Response:
        page = page_number(request.query_params.get("page"))
        return await self._page(request, business, page)

    async def _page(
        self, request: Request, business: Business, page: int = 1, *, failed=None, status_code=200
    ):
        listing = await provider_published_reviews(business.id, page=page)
        return render(
            request,
            "dashboard/reviews.html",
            {
                "business": business,
                "listing": listing,
                "forms": {review.id: _forms(review, failed or {}) for review in listing.items},
            },
            status_code=status_code,
            headers=PRIVATE,
        )

    async def _answer(
        self,
        request: Request,
        business: Business,
        review_id: int,
        *,
        notice: str = "",
        failed=None,
        status_code=200,
    ) -> Response:
        """htmx: the review's row again; otherwise back to the list (or the list with the errors)."""
        if failed and not wants_fragment(request):
            return await self._page(request, business, failed=failed, status_code=status_code)

        async def row() -> Response:
            review = await provider_review(review_id, business.id)
            if review is None:
                raise PageMissing("That review isn't published any more.")
            return render(
                request,
                "dashboard/_review_row.html",
                {
                    "business": business,
                    "review": review,
                    "forms": _forms(review, failed or {}),
                    "notice": notice,
                },
                status_code=status_code,
                headers=PRIVATE,
            )

        return await swap_or_redirect(
            request, row, to=f"/dashboard/reviews#review-{review_id}", notice=notice
        )

    async def _submit(
        self, request: Request, business: Business, review_id: int, kind: str, form, write, notice: str
    ) -> Response:
        """Validate the row's form, call ``write(business, form)``; the row (or list) answers either way."""
        status_code = 422
        if form.validate():
            try:
                await write(business, form)
            except DomainError as error:
                add_domain_error(form, error)
                status_code = error.status_code
            else:
                return await self._answer(request, business, review_id, notice=notice)
        return await self._answer(
            request, business, review_id, failed={review_id: (kind, form)}, status_code=status_code
        )

    async def _reply(
        self, request: Request, business: Business, review_id: int, now, *, editing: bool
    ) -> Response:
        form = await bind_form(ReplyForm, request, prefix=f"reply-{review_id}-")
        write = services.reply_edit if editing else services.reply_create
        return await self._submit(
            request,
            business,
            review_id,
            "reply",
            form,
            lambda business, form: write(
                review_id=review_id, provider_id=business.id, text=form.text.data, now=now
            ),
            REPLY_SAVED if editing else REPLIED,
        )

    @post("/{review_id:int}/reply")
    async def reply(
        self, request: Request, business: BusinessDep, review_id: PathId, clock: ClockDep
    ) -> Response:
        return await self._reply(request, business, review_id, clock.now(), editing=False)

    @post("/{review_id:int}/reply/edit")
    async def reply_edit(
        self, request: Request, business: BusinessDep, review_id: PathId, clock: ClockDep
    ) -> Response:
        return await self._reply(request, business, review_id, clock.now(), editing=True)

    @post("/{review_id:int}/report")
    async def report(
        self, request: Request, business: BusinessDep, review_id: PathId, clock: ClockDep
    ) -> Response:
        form = await bind_form(ReasonForm, request, prefix=f"report-{review_id}-")
        return await self._submit(
            request,
            business,
            review_id,
            "report",
            form,
            lambda business, form: services.review_report(
                review_id=review_id,
                provider_id=business.id,
                reporter_id=request.scope["user"].id,
                reason=form.chosen,
                note=form.note.data or "",
                now=clock.now(),
            ),
            REPORTED,
        )


ROUTES = [ProviderReviewsController]
