"""The request class of the whole site: a posted form is read strictly, or refused with a 400.

Every ``await request.form()`` (our handlers, ``bind_form``, the CSRF checks in middleware) goes
through ``SiteRequest.form``. Litestar's own reading raises ``UnicodeDecodeError`` on a multipart
part that is not UTF-8 (a 500), and reads a urlencoded body as Latin-1 with undecodable escapes
replaced, so broken text reaches the forms and the database. Browsers never send either: here both
are a ``BodyUnreadable`` (400), as are a urlencoded body with stray ``%`` signs or more fields than
a multipart form may have, and a body posted to a form under another content type.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures.multi_dicts import FormMultiDict
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

BODY_UNREADABLE = "That form couldn't be read. Go back, reload the page and try again."
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class BodyUnreadable(ClientException):
    """400: the body is not a form a browser would send. ``detail`` is for the person."""

    def __init__(self) -> None:
        super().__init__(detail=BODY_UNREADABLE)


def form_urlencoded_parse(body: bytes, *, max_fields: int) -> dict[str, str | list[str]]:
    """``a=1&b=2&b=3`` -> ``{"a": "1", "b": ["2", "3"]}`` (Litestar's shape), strictly UTF-8."""
    try:
        text = body.decode("utf-8")
        if _STRAY_PERCENT.search(text):
            raise BodyUnreadable
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=max_fields)
    except ValueError as exc:  # UnicodeDecodeError, or more fields than allowed
        raise BodyUnreadable from exc
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in fields.items()}


def _is_text(value: object) -> bool:
    """False for text with lone surrogates, which exotic part charsets can decode to."""
    if not isinstance(value, str) or value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class SiteRequest(Request):
    __slots__ = ()

    async def form(self) -> FormMultiDict:
        state = self._connection_state
        if state.form is Empty:
            content_type = self.content_type[0]
            if content_type == RequestEncodingType.URL_ENCODED:
                state.form = form_urlencoded_parse(
                    await self.body(), max_fields=self.app.multipart_form_part_limit
                )
            elif content_type == RequestEncodingType.MULTI_PART:
                try:
                    form = await super().form()
                except (UnicodeDecodeError, LookupError) as exc:  # a part's bytes or its charset
                    raise BodyUnreadable from exc
                if not all(_is_text(name) and _is_text(value) for name, value in form.multi_items()):
                    raise BodyUnreadable
                return form
            elif await self.body():
                raise BodyUnreadable
        return await super().form()


def refuse_nul_in_path(request: Request) -> None:
    """A before-request hook: no id, slug or token has a NUL character, and PostgreSQL refuses one
    in a query, so a path parameter holding one names nothing: the 404 page."""
    if any(isinstance(value, str) and "\x00" in value for value in request.path_params.values()):
        raise NotFoundException()


class NulFreeQueryMiddleware:
    """Drops NUL characters from the query string before any handler reads it, as ``bind_form``
    drops them from forms: no search or filter means one, and PostgreSQL refuses one in a query,
    so ``?q=%00`` is the search for nothing rather than a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"").replace(b"\x00", b"")
        while b"%00" in query:  # once more for "%%0000", which is "%00" after one pass
            query = query.replace(b"%00", b"")
        scope["query_string"] = query
        await self.app(scope, receive, send)
