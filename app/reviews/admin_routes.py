"""The moderation queue: pending and reported reviews, decided one tap per row or approved in bulk."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.reviews import services
from app.reviews.forms import ReasonForm
from app.reviews.queries import moderation_queue, queued_review, recent_decisions
from app.reviews.rules import Decision
from app.shared.errors import DomainError
from app.web.context import ClockDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import FormInput, add_domain_error
from app.web.htmx import render, swap_or_redirect, wants_fragment
from app.web.params import PathId, id_from
from app.web.route_options import PRIVATE

DONE = {
    Decision.approve: "Approved: the review is published and counts in the rating.",
    Decision.reject: "Rejected: the author sees the reason.",
    Decision.keep: "Kept: the review stays published and the report is closed.",
}
NONE_CHOSEN = "Tick the reviews to approve first."


def _reject_form(review_id: int, posted=None) -> ReasonForm:
    return ReasonForm(posted, prefix=f"reject-{review_id}-")


class ModerationController(Controller):
    path = "/admin/reviews"
    guards = [requires_role(Role.admin)]

    @get("/", name="admin_reviews")
    async def queue(self, request: Request) -> Response:
        return await self._page(request)

    async def _page(
        self, request: Request, *, failed: dict | None = None, status_code: int = 200
    ) -> Response:
        queued = await moderation_queue()
        failed = failed or {}
        return render(
            request,
            "admin/reviews.html",
            {
                "queued": queued,
                "forms": {r.id: failed.get(r.id) or _reject_form(r.id) for r in queued},
                "decisions": await recent_decisions(),
            },
            status_code=status_code,
            headers=PRIVATE,
        )

    async def _decide(
        self, request: Request, review_id: int, decision: Decision, now, form: ReasonForm | None = None
    ) -> Response:
        outcome = ""
        try:
            await services.review_moderate(
                review_id=review_id,
                moderator_id=request.scope["user"].id,
                decision=decision,
                reason=form.chosen if form else None,
                note=(form.note.data or "") if form else "",
                now=now,
            )
            outcome = DONE[decision]
        except DomainError as error:
            if form is None:
                form = _reject_form(review_id)
            add_domain_error(form, error)
            return await self._row_or_page(request, review_id, form=form, status_code=error.status_code)
        return await self._row_or_page(request, review_id, outcome=outcome)

    async def _row_or_page(
        self,
        request: Request,
        review_id: int,
        *,
        outcome: str = "",
        form: ReasonForm | None = None,
        status_code: int = 200,
    ) -> Response:
        if form is not None and not wants_fragment(request):
            return await self._page(request, failed={review_id: form}, status_code=status_code)

        async def row() -> Response:
            review = await queued_review(review_id)
            if review is None:
                raise PageMissing("That review doesn't exist any more.")
            return render(
                request,
                "admin/_review_row.html",
                {
                    "review": review,
                    "form": form or _reject_form(review_id),
                    "outcome": outcome,
                    "decided": bool(outcome),
                },
                status_code=status_code,
                headers=PRIVATE,
            )

        return await swap_or_redirect(request, row, to="/admin/reviews", notice=outcome)

    @post("/{review_id:int}/approve")
    async def approve(self, request: Request, review_id: PathId, clock: ClockDep) -> Response:
        return await self._decide(request, review_id, Decision.approve, clock.now())

    @post("/{review_id:int}/keep")
    async def keep(self, request: Request, review_id: PathId, clock: ClockDep) -> Response:
        return await self._decide(request, review_id, Decision.keep, clock.now())

    @post("/{review_id:int}/reject")
    async def reject(self, request: Request, review_id: PathId, clock: ClockDep) -> Response:
        form = _reject_form(review_id, FormInput(await request.form()))
        if not form.validate():
            return await self._row_or_page(request, review_id, form=form, status_code=422)
        return await self._decide(request, review_id, Decision.reject, clock.now(), form)

    @post("/approve")
    async def approve_many(self, request: Request, clock: ClockDep) -> Redirect:
        posted = await request.form()
        ids = sorted({n for v in posted.getall("review", []) if (n := id_from(v)) is not None})
        if not ids:
            flash(request, NONE_CHOSEN, "error")
            return Redirect("/admin/reviews", status_code=303)
        approved = await services.reviews_approve_many(
            review_ids=ids, moderator_id=request.scope["user"].id, now=clock.now()
        )
        skipped = len(ids) - approved
        message = f"{approved} review{'s' if approved != 1 else ''} approved."
        if skipped:
            message += f" {skipped} had already been decided or deleted."
        flash(request, message)
        return Redirect("/admin/reviews", status_code=303)


ROUTES = [ModerationController]
