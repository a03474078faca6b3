"""Bodies no browser sends get a 400 page on every route, never a 500, and real forms still work."""

from __future__ import annotations

import pytest
from markupsafe import escape

from app.accounts.queries import account_by_email
from app.web.requests import BODY_UNREADABLE
from tests.factories import PASSWORD
from tests.http.conftest import csrf_token
from tests.http.route_table import http_routes, route_path

BOUNDARY = "cityloop-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"


def multipart(fields: list[tuple[str, bytes]], *, part_headers: str = "", closed: bool = True) -> bytes:
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n{part_headers}\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields
    )
    return body + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


def login_fields(token: str, email: bytes = b"ana@example.com") -> list[tuple[str, bytes]]:
    return [("_csrf_token", token.encode()), ("email", email), ("password", PASSWORD.encode())]


def assert_unreadable(response, *, own_message: bool = True) -> None:
    assert response.status_code == 400, response.text[:500]
    assert "That request didn&#39;t look right" in response.text
    if own_message:
        assert str(escape(BODY_UNREADABLE)) in response.text


def malformed_bodies(token: str) -> dict[str, tuple[bytes, str]]:
    """What an outside test pass (or a broken client) sends, keyed by what is wrong with it."""
    urlencoded_login = f"_csrf_token={token}&password=x&".encode()
    return {
        "a multipart part that is not UTF-8": (multipart(login_fields(token, b"\xff\xfeana")), MULTIPART),
        "a multipart part in an unknown charset": (
            multipart(login_fields(token), part_headers="Content-Type: text/plain; charset=nonsense\r\n"),
            MULTIPART,
        ),
        "a multipart part whose charset decodes to broken text": (
            multipart(
                login_fields(token, b"\\ud800"),
                part_headers="Content-Type: text/plain; charset=raw_unicode_escape\r\n",
            ),
            MULTIPART,
        ),
        "urlencoded bytes that are not UTF-8": (urlencoded_login + b"email=\xff\xfe", URLENCODED),
        "urlencoded escapes that are not UTF-8": (urlencoded_login + b"email=%ff%fe", URLENCODED),
        "urlencoded with invalid percent escapes": (urlencoded_login + b"email=100%zz%", URLENCODED),
        "urlencoded with far too many fields": (
            urlencoded_login + b"&".join(b"f%d=1" % n for n in range(50_000)),
            URLENCODED,
        ),
    }


# Malformed in a way Litestar's own parser already refuses (with its generic 400 wording).
FRAMEWORK_REFUSED = {
    "multipart without a boundary": "multipart/form-data",
    "multipart with another boundary": "multipart/form-data; boundary=something-else",
    "multipart with an empty boundary": 'multipart/form-data; boundary=""',
}


MALFORMED = list(malformed_bodies(token=""))


@pytest.mark.parametrize("case", MALFORMED)
@pytest.mark.parametrize("token_in", ["form", "header"])
async def test_a_login_form_no_browser_would_send_gets_a_400_page(client, case, token_in):
    token = await csrf_token(client)
    body, content_type = malformed_bodies(token)[case]
    # With the token in the form the middleware reads the body first; in a header, the handler does.
    headers = {"content-type": content_type} | ({"x-csrftoken": token} if token_in == "header" else {})
    response = await client.post("/login", content=body, headers=headers)
    assert_unreadable(response)
    assert "cityloop_session" not in response.cookies


async def test_text_posted_where_a_form_is_expected_gets_a_400_page(client):
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        content=b"email=ana@example.com",
        headers={"content-type": "text/plain", "x-csrftoken": token},
    )
    assert_unreadable(response)


@pytest.mark.parametrize("content_type", FRAMEWORK_REFUSED.values(), ids=FRAMEWORK_REFUSED.keys())
async def test_a_multipart_body_with_a_broken_boundary_gets_a_400_page(client, content_type):
    token = await csrf_token(client)
    response = await client.post(
        "/login", content=multipart(login_fields(token)), headers={"content-type": content_type}
    )
    assert_unreadable(response, own_message=False)


@pytest.mark.parametrize("cut", [40, 120, -30])
async def test_a_truncated_multipart_body_gets_a_400_page(client, cut):
    token = await csrf_token(client)
    body = multipart(login_fields(token))[:cut]
    response = await client.post("/login", content=body, headers={"content-type": MULTIPART})
    assert_unreadable(response, own_message=False)


async def test_a_multipart_body_with_too_many_parts_gets_a_400_page(client):
    token = await csrf_token(client)
    body = multipart(login_fields(token) + [(f"f{n}", b"1") for n in range(1500)])
    response = await client.post("/login", content=body, headers={"content-type": MULTIPART})
    assert_unreadable(response, own_message=False)


async def test_every_route_that_takes_a_form_answers_a_broken_one_with_400(app, client):
    """Generated from the route table, so a new route is covered the day it is added."""
    token = await csrf_token(client)
    body = multipart(login_fields(token, b"\xff"))
    urlencoded = f"_csrf_token={token}&x=%ff".encode()
    routes = [route for route in http_routes(app, "POST") if route.path != "/stripe/webhook"]
    assert len(routes) > 40
    for route in routes:
        path = route_path(route)
        for content, content_type in ((body, MULTIPART), (urlencoded, URLENCODED)):
            response = await client.post(path, content=content, headers={"content-type": content_type})
            assert response.status_code == 400, f"{path} ({content_type}): {response.status_code}"
            assert str(escape(BODY_UNREADABLE)) in response.text, path


async def test_the_stripe_webhook_refuses_a_body_that_is_not_an_event(client):
    response = await client.post(
        "/stripe/webhook", content=b"\xff\xfe not json", headers={"stripe-signature": "t=1,v1=00"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart", "raw UTF-8"])
async def test_names_with_accents_still_sign_up_in_every_encoding_a_client_uses(client, encoding):
    token = await csrf_token(client)
    fields = {"_csrf_token": token, "display_name": "Núria Ibáñez", "email": "nuria@example.com"}
    fields["password"] = PASSWORD
    if encoding == "urlencoded":
        response = await client.post("/signup", data=fields)
    elif encoding == "multipart":
        body = multipart([(name, value.encode()) for name, value in fields.items()])
        response = await client.post("/signup", content=body, headers={"content-type": MULTIPART})
    else:  # what `curl --data` sends: UTF-8 bytes without percent escapes
        body = "&".join(f"{name}={value}" for name, value in fields.items()).encode()
        response = await client.post("/signup", content=body, headers={"content-type": URLENCODED})
    assert response.status_code == 303
    assert (await account_by_email("nuria@example.com"))["display_name"] == "Núria Ibáñez"
