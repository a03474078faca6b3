"""Administration: the overview, and the city's categories and neighbourhoods."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.admin.forms import CategoryForm, NameForm, NeighbourhoodForm
from app.catalog import services as catalog
from app.catalog.queries import categories, neighbourhoods
from app.reviews.queries import queue_size
from app.shared.errors import DomainError
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render
from app.web.params import PathId

LISTS = {
    "categories": {
        "title": "Categories",
        "singular": "category",
        "load": categories,
        "form": CategoryForm,
        "add": lambda form: catalog.category_add(
            name=form.name.data, description=form.description.data or ""
        ),
        "rename": lambda item_id, name: catalog.category_rename(category_id=item_id, name=name),
        "move": lambda item_id, steps: catalog.category_move(category_id=item_id, steps=steps),
    },
    "neighbourhoods": {
        "title": "Neighbourhoods",
        "singular": "neighbourhood",
        "load": neighbourhoods,
        "form": NeighbourhoodForm,
        "add": lambda form: catalog.neighbourhood_add(
            name=form.name.data, latitude=form.latitude.data, longitude=form.longitude.data
        ),
        "rename": lambda item_id, name: catalog.neighbourhood_rename(neighbourhood_id=item_id, name=name),
        "move": lambda item_id, steps: catalog.neighbourhood_move(neighbourhood_id=item_id, steps=steps),
    },
}


class AdminController(Controller):
    path = "/admin"
    guards = [requires_role(Role.admin)]

    @get("/", name="admin")
    async def overview(self, request: Request) -> Template:
        return render(
            request,
            "admin/home.html",
            {
                "counts": {key: len(await spec["load"]()) for key, spec in LISTS.items()},
                "lists": LISTS,
                "to_moderate": await queue_size(),
            },
        )

    async def _page(
        self, request: Request, kind: str, form=None, rename_errors=None, status_code: int = 200
    ) -> Template:
        spec = LISTS[kind]
        return render(
            request,
            "admin/list.html",
            {
                "kind": kind,
                "spec": spec,
                "items": await spec["load"](),
                "form": form or spec["form"](),
                "rename_errors": rename_errors or {},
            },
            status_code=status_code,
        )

    @get("/{kind:str}", name="admin_list")
    async def list_page(self, request: Request, kind: FromPath[str]) -> Template:
        _known(kind)
        return await self._page(request, kind)

    @post("/{kind:str}")
    async def add(self, request: Request, kind: FromPath[str]) -> Response:
        spec = LISTS[_known(kind)]
        form = await bind_form(spec["form"], request)
        if not form.validate():
            return await self._page(request, kind, form=form, status_code=422)
        try:
            await spec["add"](form)
        except DomainError as error:
            add_domain_error(form, error)
            return await self._page(request, kind, form=form, status_code=422)
        flash(request, f"“{form.name.data}” is added.")
        return Redirect(f"/admin/{kind}", status_code=303)

    @post("/{kind:str}/{item_id:int}/rename")
    async def rename(self, request: Request, kind: FromPath[str], item_id: PathId) -> Response:
        spec = LISTS[_known(kind)]
        form = await bind_form(NameForm, request)
        error = None
        if not form.validate():
            error = " ".join(form.name.errors)
        else:
            try:
                await spec["rename"](item_id, name=form.name.data)
            except DomainError as problem:
                error = problem.message
        if error:
            return await self._page(request, kind, rename_errors={item_id: error}, status_code=422)
        flash(request, f"Renamed to “{form.name.data}”. Its web address stays the same.")
        return Redirect(f"/admin/{kind}", status_code=303)

    @post("/{kind:str}/{item_id:int}/up")
    async def move_up(self, kind: FromPath[str], item_id: PathId) -> Redirect:
        await LISTS[_known(kind)]["move"](item_id, steps=-1)
        return Redirect(f"/admin/{kind}", status_code=303)

    @post("/{kind:str}/{item_id:int}/down")
    async def move_down(self, kind: FromPath[str], item_id: PathId) -> Redirect:
        await LISTS[_known(kind)]["move"](item_id, steps=1)
        return Redirect(f"/admin/{kind}", status_code=303)


def _known(kind: str) -> str:
    if kind not in LISTS:
        raise PageMissing("There is no such list.")
    return kind


ROUTES = [AdminController]
