"""No request anyone can send makes a server error: every route of the app, fuzzed with Hypothesis.

The routes come from the app's route table (tests/http/routes_walk.py), so a new route is fuzzed
without touching this file. Each request starts from what the site itself offers (a form as the
page renders it, an address its pages link to) and changes a few things: hostile path values,
query and form fields with control characters, NUL, encoded lone surrogates, RTL marks, 10,000
characters, huge or negative numbers, impossible dates; bodies in broken multipart or not in UTF-8.
It is sent as an actor the route's guards let in, with a valid CSRF token, so it reaches the
handler. Any 5xx fails the route's test with the request that caused it; the totals are printed
at the end of the run.

Each route gets CITYLOOP_FUZZ_EXAMPLES requests (default 16; raise it for a long run), derandomised
and without an example database, so a run is reproducible; a last test tries the known-bad values
in every address parameter one by one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from wtforms import Form
from wtforms.fields.core import UnboundField

from tests.http.routes_walk import (
    ACTORS,
    ADMIN,
    ANONYMOUS,
    CSRF_FIELD,
    PROVIDER_A,
    RESIDENT_A,
    ROLE_OF,
    Endpoint,
    error_kind,
    jpeg,
    route_table,
)

EXAMPLES = int(os.environ.get("CITYLOOP_FUZZ_EXAMPLES", "16"))
# A survey (CITYLOOP_FUZZ_SURVEY=1) sends every example of a route even after a 5xx, and fails the
# route once at the end with each kind of error it met: for finding all of them in one long run.
SURVEY = os.environ.get("CITYLOOP_FUZZ_SURVEY") == "1"
ENDPOINTS = route_table()

# --- hostile values ------------------------------------------------------------------------

NUMBERS = [
    "0",
    "-1",
    "-0",
    "1.5",
    "2147483648",
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    str(10**20),
    "9" * 400,
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "0x10",
    "1_000",
    "+5",
    " 7 ",
    "１２",
    "٣",
    "²",
    "⅕",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "10000-01-01",
    "-0001-01-01",
    "2026-11-23T09:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "2026-11-23T25:00:00",
    "2026-11-23 09:00",
    "1970-01-01T00:00:00Z",
    "2026-W48",
    "24:00",
    "23:60",
    "-01:00",
    "99:99",
    "2026-11",
]
TEXTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x07\x08\x0b\x0c\x1b\x7f",
    "\r\n\r\n",
    "\t",
    "\u202eevil\u202c",
    "\u200f\u200e\u200b\ufeff",
    "e\u0301" * 50,
    "🙂" * 300,
    "x" * 10_000,
    "Ł" * 10_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE booking; --',
    "{{ 7*7 }}",
    "%s%n%x",
    "../../../etc/passwd",
    "javascript:alert(1)",
    "\\",
    "null",
    "[]",
    "a,b",
    "//evil.example/",
]
# Byte strings that are not UTF-8: a lone surrogate as WTF-8, Latin-1, a cut sequence, a BOM pair.
NOT_UTF8 = [b"\xed\xa0\x80", b"caf\xe9", b"\xc3\x28", b"\xff\xfe", b"\x80", b"\xf4\x90\x80\x80"]
HOSTILE = [v.encode() for v in NUMBERS + DATES + TEXTS] + NOT_UTF8

# Path segments, already escaped for a URL.
SEGMENTS = [
    "0",
    "-1",
    str(2**63),
    str(2**64),
    str(10**20),
    "%C2%B2",
    "%D9%A3",
    "9" * 400,
    "a" * 10_000,
    "%00",
    "x%00y",
    "%FF",
    "%ED%A0%80",
    "%2e%2e",
    "..%2F..%2Fetc",
    "%20",
    "a%2Fb",
    "%E2%80%AE",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "10000-01-01",
]
FILE_PATHS = [
    "%00-320.webp",
    "a" * 300 + "-320.webp",
    "a" * 5000,
    "..%2F..%2Fetc%2Fpasswd",
    "x/" * 200,
    "%FF.webp",
    "nul%00.css",
    "css/site.css%00",
]


def surrogate_safe(text: str) -> bytes:
    """UTF-8 that keeps a lone surrogate (as a browser's broken encoder would send it)."""
    return text.encode("utf-8", "surrogatepass")


def text_values(offered: list[str]) -> st.SearchStrategy[bytes]:
    """A field's value: what the page offers (Hypothesis' simplest choice), else a hostile one."""
    choices = [st.sampled_from(offered).map(str.encode)] if offered else []
    choices += [
        st.sampled_from(HOSTILE),
        st.text(max_size=40).map(surrogate_safe),
        st.binary(max_size=24),
        st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: str(n).encode()),
    ]
    if offered:
        choices.append(
            st.tuples(st.sampled_from(offered), st.sampled_from(HOSTILE)).map(lambda p: p[0].encode() + p[1])
        )
    return st.one_of(choices)


def path_values(known: list[str], kind: str) -> st.SearchStrategy[str]:
    choices = [st.sampled_from([quote(v, safe="/") for v in known])] if known else []
    choices += [
        st.sampled_from(FILE_PATHS if kind == "path" else SEGMENTS),
        st.text(min_size=1, max_size=20).map(lambda t: quote_from_bytes(surrogate_safe(t), safe="")),
    ]
    return st.one_of(choices)


def _wtforms_names() -> set[str]:
    """Every field name the app's WTForms classes declare (some forms are never shown on a GET)."""
    names, pending = set(), list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        pending += form.__subclasses__()
        names |= {n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField)}
    return names


VOCABULARY = _wtforms_names()
# Field names nobody's form has: not UTF-8, empty, NUL, huge, and the shapes some parsers treat apart.
ODD_NAMES = [*NOT_UTF8, b"", b"\x00", b"x" * 10_000, b"__proto__", b"a[b]", b"a.b"]


# --- requests ------------------------------------------------------------------------------


def _short(value: bytes) -> str:
    return repr(value if len(value) <= 60 else value[:40] + b"..." + f"({len(value)} bytes)".encode())


@dataclass
class Fuzzed:
    """One request, printed short enough to read in a failure."""

    actor: str
    method: str
    url: str
    kind: str = "none"  # form | multipart | broken-multipart | raw
    fields: list[tuple[bytes, bytes]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def __repr__(self) -> str:
        url = self.url if len(self.url) <= 200 else self.url[:160] + f"...({len(self.url)} chars)"
        fields = ", ".join(f"{_short(k)}={_short(v)}" for k, v in self.fields)
        return f"{self.method} {url} as {self.actor} [{self.kind}] {{{fields}}} headers={self.headers}"

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis prints the failing example
        printer.text(repr(self))


def _urlencoded(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs)


def _multipart(
    pairs: list[tuple[bytes, bytes]], files: list[tuple[bytes, bytes, bytes]], boundary: bytes
) -> bytes:
    parts = [b'Content-Disposition: form-data; name="' + k + b'"\r\n\r\n' + v for k, v in pairs]
    parts += [
        b'Content-Disposition: form-data; name="' + k + b'"; filename="' + name + b'"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + content
        for k, name, content in files
    ]
    return (
        b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + boundary + b"--\r\n"
    )


BROKEN_MULTIPART = [
    (b"multipart/form-data", b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'),
    (
        b"multipart/form-data; boundary=x",
        b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished',
    ),
    (
        b"multipart/form-data; boundary=x",
        b'--y\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--y--\r\n',
    ),
    (b"multipart/form-data; boundary=x", b"--x\r\nno headers at all\r\n--x--\r\n"),
    (
        b"multipart/form-data; boundary=x",
        b"--x\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n--x--\r\n",
    ),
    (
        b"multipart/form-data; boundary=x",
        b'--x\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\n\xff\r\n--x--\r\n',
    ),
    (b"multipart/form-data; boundary=" + b"x" * 300, b"--" + b"x" * 300 + b"--\r\n"),
    (b"multipart/form-data; boundary=x", b""),
    (b"application/x-www-form-urlencoded", b"a=%zz&%ff=\xff&&=&b"),
    (b"application/x-www-form-urlencoded; charset=latin-1", b"name=caf\xe9"),
    (b"application/json", b'{"a": [1, 2, {"b": null}]'),
    (b"text/plain", b"\x00\x01\x02"),
]
FILES = [jpeg((64, 48)), b"not an image", b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, b"GIF89a" + b"\x00" * 20]


@st.composite
def fuzzed_requests(draw, walk, endpoint: Endpoint) -> Fuzzed:
    site = walk.world.site
    reaching = [a for a in ACTORS if ROLE_OF[a] in endpoint.roles or not endpoint.signed_in_only]
    actor = draw(st.sampled_from(reaching))
    values = {name: draw(path_values(site.values(endpoint, name), kind)) for name, kind in endpoint.params}
    url = endpoint.url(values)

    # Start from what a page offers, then change a few fields.
    forms = site.forms.get(endpoint.key, [])
    form = draw(st.sampled_from(forms)) if forms else None
    offered: dict[str, list[str]] = {}
    pairs: list[tuple[bytes, bytes]] = []
    if form is not None:
        for name, value in form.submission().items():
            for one in [value] if isinstance(value, str) else value:
                pairs.append((name.encode(), one.encode()))
        offered = {name: entry.values + entry.chosen for name, entry in form.fields.items()}
    if endpoint.method in ("GET", "HEAD"):
        linked = sorted({u for (t, _), urls in site.urls.items() if t == endpoint.template for u in urls})
        if linked:  # the query string of an address the pages link to
            pairs += [
                (k.encode(), v.encode()) for k, v in parse_qsl(urlsplit(draw(st.sampled_from(linked))).query)
            ]
        for (template, name), shown in site.query_values.items():
            if template == endpoint.template:
                offered.setdefault(name, []).extend(shown)
        offered.update({name: offered.get(name, []) for name in endpoint.query})
    vocabulary = VOCABULARY | site.field_names  # every field any form names
    names = sorted(offered) + sorted(vocabulary - set(offered))
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        change = draw(st.sampled_from(["replace", "drop", "repeat"]))
        kept = [p for p in pairs if p[0] != name.encode()] if change != "repeat" else pairs
        value = draw(text_values([v for v in offered.get(name, []) if v]))
        pairs = kept if change == "drop" else [*kept, (name.encode(), value)]
    if draw(st.booleans()):
        name = draw(st.sampled_from(ODD_NAMES))
        pairs.append((name, draw(text_values([]))))

    headers = {"hx-request": "true"} if draw(st.booleans()) else {}
    if endpoint.method in ("GET", "HEAD"):
        # httpx refuses addresses over 64 KB (and servers take far less): long values are cut to
        # fit; 10,000 characters go in bodies and in path segments instead.
        pairs = [(k[:200], v[:1500]) for k, v in pairs[:6]]
        separator = "&" if "?" in url else "?"
        return Fuzzed(
            actor,
            endpoint.method,
            url + (separator + _urlencoded(pairs).decode() if pairs else ""),
            "query",
            pairs,
            headers,
        )

    csrf = walk.caller.csrf.encode()
    in_header = draw(st.booleans())
    if in_header:
        headers["x-csrftoken"] = walk.caller.csrf
    kind = draw(st.sampled_from(["form", "form", "multipart", "broken-multipart"]))
    fields = pairs if in_header else [*pairs, (CSRF_FIELD.encode(), csrf)]
    if kind == "form":
        headers["content-type"] = "application/x-www-form-urlencoded"
        body = _urlencoded(fields)
    elif kind == "multipart":
        file_fields = [
            n.encode() for n, entry in (form.fields.items() if form else []) if entry.kind == "file"
        ]
        files = []
        if file_fields or draw(st.booleans()):
            name = (
                file_fields[0]
                if file_fields
                else draw(st.sampled_from(sorted(n.encode() for n in vocabulary)))
            )
            filename = draw(st.sampled_from([b"photo.jpg", b"\xff\xfe.jpg", b"../../x.jpg", b"a" * 300, b""]))
            files.append((name, filename, draw(st.sampled_from(FILES))))
        boundary = b"cityloopfuzz"
        headers["content-type"] = "multipart/form-data; boundary=cityloopfuzz"
        body = _multipart(fields, files, boundary)
    else:
        content_type, body = draw(st.sampled_from(BROKEN_MULTIPART))
        headers["content-type"] = content_type.decode("latin-1")
        if not in_header and content_type.startswith(b"multipart/form-data; boundary=x"):
            body = (
                b'--x\r\nContent-Disposition: form-data; name="'
                + CSRF_FIELD.encode()
                + b'"\r\n\r\n'
                + csrf
                + b"\r\n"
                + body
            )
    return Fuzzed(actor, endpoint.method, url, kind, fields, headers, body)


@pytest.fixture
def surveyed(walk):
    """In a survey, the 5xx answers of one route's examples, reported once they have all run."""
    met: dict[str, str] = {}
    yield met
    assert not met, "server errors:\n" + "\n".join(
        f"{kind}\n    e.g. {example}" for kind, example in met.items()
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
# One world per route: its examples share it (restoring it for each would cost more than the fuzzing).
# No shrinking: an example is already a page's own form with a few fields changed, and shrinking
# would replay hundreds of requests per failing route.
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_no_request_makes_a_server_error(walk, surveyed, endpoint, data):
    fuzzed = data.draw(fuzzed_requests(walk, endpoint), label="request")
    response = await walk.caller.send(
        fuzzed.actor, fuzzed.method, fuzzed.url, key=endpoint.key, headers=fuzzed.headers, content=fuzzed.body
    )
    logged = walk.caller.last_errors
    if SURVEY and response.status_code >= 500:
        surveyed.setdefault(error_kind(response.status_code, logged), f"{fuzzed!r} logged {logged}")
        return
    assert response.status_code < 500, (
        f"{fuzzed.method} {endpoint.template} as {fuzzed.actor} answered {response.status_code}\n"
        f"request: {fuzzed!r}\nlogged: {logged}"
    )


# --- every address parameter, each hostile value in turn -----------------------------------
# Hypothesis draws a few requests per route; the values the outside test pass found (ids like ²
# or 2^63, days at the ends of the calendar, NUL in a file name) are also tried systematically,
# one parameter at a time with the others valid. Requests to a hostile address find nothing and
# GETs change nothing, so one world serves every route.

SWEPT_SEGMENTS = [
    "0",
    "-1",
    str(2**63),
    str(10**20),
    "%C2%B2",
    "%D9%A3",
    "9" * 400,
    "a" * 10_000,
    "%00",
    "%FF",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
]
SWEPT_FILE_PATHS = ["%00-320.webp", "a" * 300 + "-320.webp", "a" * 5000, "nul%00.css"]
SWEPT_QUERY = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "10000-01-01",
    "-1",
    str(2**63),
    str(10**20),
    "²",
    "٣",
    "\x00",
    "x" * 10_000,
    "\ud800",
]
# For form fields, by what the field holds: a choice or an id, a day or a time, or text.
SWEPT_CHOICES = ["-1", str(2**63), str(10**20), "²", "٣"]
SWEPT_TIMES = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "24:00",
    "-1",
]
SWEPT_TEXT = ["\x00", "x" * 10_000, "\ud800", "\u202e"]


def swept_values(entry) -> list[str]:
    looks_like_a_time = any(re.fullmatch(r"\d[\d:+\-T .]*[-:][\d:+\-T .]*", v) for v in entry.values)
    if entry.kind in ("date", "time", "datetime-local") or looks_like_a_time:
        return SWEPT_TIMES
    if entry.kind in ("select", "select-multiple", "radio", "checkbox", "hidden", "number"):
        return SWEPT_CHOICES + SWEPT_TIMES[:2]
    return SWEPT_TEXT + SWEPT_CHOICES[1:3]


def sweeper(site, endpoint: Endpoint) -> str:
    """Who sends the sweep's requests: someone the guards let in, preferably whose pages show the
    route's form or address (so a booking is made by a resident, a service changed by its owner)."""
    allowed = [a for a in (RESIDENT_A, PROVIDER_A, ADMIN, ANONYMOUS) if ROLE_OF[a] in endpoint.roles]
    allowed = allowed if endpoint.signed_in_only else [ANONYMOUS, *allowed]
    shown = {form.seen_by for form in site.forms.get(endpoint.key, [])}
    shown |= {actor for (template, actor) in site.urls if template == endpoint.template}
    return next((a for a in allowed if a in shown), allowed[0])


def swept_addresses(site, endpoint: Endpoint, actor: str):
    """(address, what was changed) for each hostile value of each path and query parameter."""
    valid = {
        name: (site.values(endpoint, name, actor) or site.values(endpoint, name) or ["1"])[0]
        for name, _ in endpoint.params
    }
    for name, kind in endpoint.params:
        for value in SWEPT_FILE_PATHS if kind == "path" else SWEPT_SEGMENTS:
            yield endpoint.url({**valid, name: value}), f"{name}={value[:20]}"
    if endpoint.method != "GET":
        return
    base = site.address(endpoint, actor) or endpoint.url(valid)
    path, query = base.split("?", 1) if "?" in base else (base, "")
    names = set(endpoint.query) | {n for (t, n) in site.query_values if t == endpoint.template}
    names |= {name for form in site.forms.get(endpoint.key, []) for name in form.fields}  # search forms
    for name in sorted(names):
        kept = [(k, v) for k, v in parse_qsl(query) if k != name]
        for value in SWEPT_QUERY:
            changed = [*kept, (name, value)]
            encoded = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in changed)
            yield f"{path}?{encoded}", f"?{name}={value[:20]!r}"


async def test_hostile_ids_days_and_file_names_in_addresses_never_make_a_server_error(walk):
    failures = []
    for endpoint in ENDPOINTS:
        actor = sweeper(walk.world.site, endpoint)
        forms = [f for f in walk.world.site.forms.get(endpoint.key, []) if f.seen_by == actor]
        data = forms[0].submission() if forms else {}
        for address, changed in swept_addresses(walk.world.site, endpoint, actor):
            if endpoint.method in ("GET", "HEAD"):
                response = await walk.caller.send(actor, endpoint.method, address, key=endpoint.key)
            else:
                response = await walk.caller.post_form(actor, address, data, key=endpoint.key)
            if response.status_code >= 500:
                failures.append(
                    f"{endpoint.key} {changed}: {error_kind(response.status_code, walk.caller.last_errors)}"
                )
    assert not failures, f"{len(failures)} addresses answered 5xx:\n" + "\n".join(failures)


def _swept(name: str, entry) -> list[str]:
    return [] if name == CSRF_FIELD or entry.kind == "file" else swept_values(entry)


POSTED_FORMS = [e for e in ENDPOINTS if e.method == "POST"]
FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("endpoint", POSTED_FORMS, ids=lambda e: e.key)
async def test_hostile_values_in_each_form_field_never_make_a_server_error(walk, endpoint):
    """The form as its page holds it, one field at a time set to each value that broke a handler."""
    actor = sweeper(walk.world.site, endpoint)
    forms = [f for f in walk.world.site.forms.get(endpoint.key, []) if f.seen_by == actor][:1]
    failures = []
    for form in forms:
        # The untouched form goes last: a hold or a change it makes would alter what the others meet.
        for name, value in [*((n, v) for n, e in form.fields.items() for v in _swept(n, e)), ("", "")]:
            pairs = [
                (key.encode(), surrogate_safe(one))
                for key, sent in form.submission({name: value} if name else None).items()
                for one in ([sent] if isinstance(sent, str) else sent)
            ]
            pairs.append((CSRF_FIELD.encode(), walk.caller.csrf.encode()))
            response = await walk.caller.send(
                actor, "POST", form.url, key=endpoint.key, content=_urlencoded(pairs), headers=FORM_HEADERS
            )
            if not name:  # the form untouched: it must reach the handler, or the sweep proves nothing
                assert response.status_code not in (401, 403), f"{endpoint.key} refused {actor}'s own form"
            if response.status_code >= 500:
                kind = error_kind(response.status_code, walk.caller.last_errors)
                failures.append(f"{name or 'the form as shown'}={value[:30]!r}: {kind}")
    assert not failures, f"{endpoint.key} at {forms[0].url}:\n" + "\n".join(failures)
