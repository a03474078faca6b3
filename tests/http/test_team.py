"""The team over HTTP: the provider's Team pages, residents choosing who comes, and giving bookings away."""

import io
import re
from datetime import date, time

from PIL import Image

from app.booking import services as booking_services
from app.booking.tables import Booking, Slot
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Service, TeamMember
from app.shared.citytime import city_to_utc
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_account, make_listed_provider
from tests.http.conftest import browser, log_in, post_form
from tests.unit.media.test_uploads import png_header_only

HTMX = {"hx-request": "true", "hx-request-type": "partial"}


async def business(
    client, team=("Javier Soler", "Marta Ibáñez"), location=ServiceLocation.provider_premises
) -> dict:
    """A provider with two services and (by default) two people, its owner signed in."""
    provider_id = await make_listed_provider(
        "Fontanería Russafa",
        owner_email="javier@example.com",
        services=(("Fix a tap", 5000, 6000), ("Unblock a drain", 6800, 8000)),
        location=location,
        team=team,
    )
    await log_in(client, "javier@example.com")
    services = await Service.select().where(Service.provider == provider_id).order_by(Service.position)
    members = (
        await TeamMember.select().where(TeamMember.provider == provider_id).order_by(TeamMember.position)
    )
    return {"id": provider_id, "services": services, "members": members}


def book_url(service: dict) -> str:
    return f"/providers/fontaneria-russafa/book/{service['public_id']}"


def first_time(page_text: str) -> str:
    return re.search(r'name="starts_at" id="t-1" value="([^"]+)"', page_text).group(1)


def monday(hour: int, minute: int = 0):
    return city_to_utc(date(2026, 11, 23), time(hour, minute), MADRID)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


async def test_the_team_page_lists_everyone_with_what_they_do(client):
    await business(client)
    page = await client.get("/dashboard/team")
    assert page.status_code == 200
    assert "Javier Soler" in page.text and "Marta Ibáñez" in page.text
    assert "Fix a tap, Unblock a drain" in page.text
    assert 'href="/dashboard/team"' in page.text and 'aria-current="page"' in page.text


async def test_adding_a_person_needs_a_name_and_a_service_and_keeps_what_was_typed(client):
    shop = await business(client, team=())
    missing = await post_form(client, "/dashboard/team/new", {"name": "  "})
    assert missing.status_code == 422
    assert "Give the person&#39;s name" in missing.text and "Choose at least one service" in missing.text
    kept = await post_form(client, "/dashboard/team/new", {"name": "Marta Ibáñez"})
    assert kept.status_code == 422 and 'value="Marta Ibáñez"' in kept.text
    tap = shop["services"][0]
    added = await post_form(
        client, "/dashboard/team/new", {"name": "Marta Ibáñez", "services": str(tap["id"])}
    )
    assert added.status_code == 303 and re.fullmatch(
        r"/dashboard/team/[0-9a-f]{12}", added.headers["location"]
    )
    marta = await TeamMember.select().where(TeamMember.name == "Marta Ibáñez").first()
    assert await Slot.count().where(Slot.member == marta["id"], Slot.service == tap["id"]) > 0
    assert await Slot.count().where(Slot.member == marta["id"], Slot.service != tap["id"]) == 0
    forged = await post_form(client, "/dashboard/team/new", {"name": "Pep", "services": "999999999999"})
    assert forged.status_code == 422 and "Choose at least one service" in forged.text


async def test_a_photo_that_isnt_a_picture_is_refused_on_the_form_and_a_real_one_is_cropped_square(client):
    shop = await business(client)
    tap = shop["services"][0]
    refused = await post_form(
        client,
        "/dashboard/team/new",
        {"name": "Pep Vidal", "services": str(tap["id"])},
        files={"photo": ("pep.jpg", b"not a picture", "image/jpeg")},
    )
    assert refused.status_code == 422
    assert "pep.jpg isn" in refused.text and 'value="Pep Vidal"' in refused.text
    assert await TeamMember.count().where(TeamMember.name == "Pep Vidal") == 0
    marta = shop["members"][1]
    saved = await post_form(
        client,
        f"/dashboard/team/{marta['public_id']}/photo",
        {},
        files={"photo": ("m.jpg", jpeg(), "image/jpeg")},
    )
    assert saved.status_code == 303
    row = await TeamMember.select().where(TeamMember.id == marta["id"]).first()
    assert row["photo_key"] and row["photo_width"] == 600  # the centre square of 800 x 600
    page = await client.get(f"/dashboard/team/{marta['public_id']}")
    assert f"/media/{row['photo_key']}-320.webp" in page.text


async def test_a_photo_over_the_pixel_limit_is_refused_next_to_the_photo_field(client):
    shop = await business(client)
    marta = shop["members"][1]
    response = await post_form(
        client,
        f"/dashboard/team/{marta['public_id']}/photo",
        {},
        files={"photo": ("marta.png", png_header_only(7000, 6000), "image/png")},  # 42 megapixels
    )
    assert response.status_code == 422
    assert (
        '<p class="field-error" id="photo-error" role="alert">marta.png has too many pixels. '
        "Choose a picture of at most 40 megapixels.</p>"
    ) in response.text
    assert (await TeamMember.select(TeamMember.photo_key).where(TeamMember.id == marta["id"]).first()) == {
        "photo_key": ""
    }


async def test_own_hours_are_checked_kept_on_error_and_change_only_that_persons_times(client):
    shop = await business(client)
    marta = shop["members"][1]
    tap = shop["services"][0]
    url = f"/dashboard/team/{marta['public_id']}/hours"
    wrong = await post_form(client, url, {"d0_opens_1": "18:00", "d0_closes_1": "09:00"})
    assert wrong.status_code == 422
    assert "The closing time must be after the opening time." in wrong.text and 'value="18:00"' in wrong.text
    empty = await post_form(client, url, {})
    assert empty.status_code == 422 and "Give at least one time range" in empty.text
    assert (await post_form(client, url, {"d0_opens_1": "14:00", "d0_closes_1": "18:00"})).status_code == 303
    theirs = await client.get(book_url(tap), params={"member": marta["public_id"], "day": "2026-11-23"})
    assert "with Marta Ibáñez" in theirs.text and ">14:00<" in theirs.text and ">09:00<" not in theirs.text
    anyone = await client.get(book_url(tap), params={"day": "2026-11-23"})
    assert ">09:00<" in anyone.text  # Javier still works the business hours
    assert (await post_form(client, url, {"follow": "business"})).status_code == 303
    again = await client.get(book_url(tap), params={"member": marta["public_id"], "day": "2026-11-23"})
    assert ">09:00<" in again.text


async def test_a_persons_days_off_are_checked_and_can_be_taken_back(client):
    shop = await business(client)
    marta = shop["members"][1]
    url = f"/dashboard/team/{marta['public_id']}/time-off"
    backwards = await post_form(client, url, {"first_day": "2026-11-25", "last_day": "2026-11-24"})
    assert backwards.status_code == 422 and "can&#39;t be before the first day" in backwards.text
    assert (
        await post_form(client, url, {"first_day": "2026-11-23", "last_day": "2026-11-23"})
    ).status_code == 303
    tap = shop["services"][0]
    page = await client.get(book_url(tap), params={"member": marta["public_id"], "day": "2026-11-23"})
    assert "Marta Ibáñez has no free times on this day" in page.text
    shown = await client.get(f"/dashboard/team/{marta['public_id']}")
    time_off_id = re.search(r"/time-off/(\d+)/delete", shown.text).group(1)
    removed = await post_form(
        client, f"/dashboard/team/{marta['public_id']}/time-off/{time_off_id}/delete", {}
    )
    assert removed.status_code == 303
    huge = await post_form(client, f"/dashboard/team/{marta['public_id']}/time-off/{2**40}/delete", {})
    assert huge.status_code == 400  # no days off have such an id


async def test_residents_choose_anyone_or_a_person_and_see_who_comes(app, client):
    shop = await business(client)
    marta = shop["members"][1]
    tap = shop["services"][0]
    async with browser(app) as resident:
        await make_account("lucia@example.com", "Lucía Navarro")
        await log_in(resident, "lucia@example.com")
        page = await resident.get(book_url(tap))
        assert "Anyone available" in page.text and "Marta Ibáñez" in page.text
        swapped = await resident.get(book_url(tap), params={"member": marta["public_id"]}, headers=HTMX)
        assert "<html" not in swapped.text and "with Marta Ibáñez" in swapped.text
        assert f'name="member" value="{marta["public_id"]}"' in swapped.text
        unknown = await resident.get(book_url(tap), params={"member": "<script>"})
        assert unknown.status_code == 200 and 'aria-current="true">' in unknown.text  # anyone, chosen
        tampered = await post_form(
            resident, book_url(tap), {"starts_at": first_time(page.text), "member": "zz!"}
        )
        assert tampered.status_code == 422 and "Choose a person from the list" in tampered.text
        gone = await post_form(
            resident, book_url(tap), {"starts_at": first_time(page.text), "member": "0123456789ab"}
        )
        assert gone.status_code == 409 and "isn&#39;t on this team" in gone.text
        held = await post_form(
            resident, book_url(tap), {"starts_at": first_time(page.text), "member": marta["public_id"]}
        )
        assert held.status_code == 303
        shown = await resident.get(held.headers["location"])
        assert "Marta Ibáñez" in shown.text and "you asked for them" in shown.text
        assert (await Booking.select(Booking.member).first())["member"] == marta["id"]


async def test_a_one_person_business_says_who_comes_without_a_choice(client):
    shop = await business(client, team=("Javier Soler",))
    page = await client.get(book_url(shop["services"][0]))
    assert "With Javier Soler" in page.text and "Anyone available" not in page.text


async def hold(resident_id: int, service: dict, starts_at, member: dict | None = None) -> str:
    return await booking_services.booking_hold(
        resident_id=resident_id,
        request=booking_services.HoldRequest(
            "fontaneria-russafa",
            service["public_id"],
            starts_at,
            member_public_id=member["public_id"] if member else "",
        ),
        now=TEST_NOW,
        zone=MADRID,
        hold_minutes=10,
    )


async def test_the_provider_gives_a_booking_to_someone_free_and_is_told_when_they_are_busy(client):
    shop = await business(client)
    javier, marta = shop["members"]
    tap, drain = shop["services"]
    first, second = [(await make_account(f"r{n}@example.com", f"Resident {n}")).id for n in range(2)]
    mine = await hold(first, tap, monday(9), javier)
    await booking_services.booking_confirm(
        booking_id=(await Booking.select(Booking.id).where(Booking.public_id == mine).first())["id"],
        now=TEST_NOW,
    )
    await hold(second, drain, monday(9), marta)
    page = await client.get(f"/dashboard/bookings/{mine}")
    assert "Who goes" in page.text and "Javier Soler" in page.text and "Give it to someone else" in page.text
    busy = await post_form(client, f"/dashboard/bookings/{mine}/member", {"member": marta["public_id"]})
    assert busy.status_code == 409 and "Marta Ibáñez is busy at that time" in busy.text
    none = await post_form(client, f"/dashboard/bookings/{mine}/member", {"member": ""})
    assert none.status_code == 422 and "Choose who goes." in none.text
    later = await hold(second, tap, monday(11), javier)
    moved = await post_form(client, f"/dashboard/bookings/{later}/member", {"member": marta["public_id"]})
    assert moved.status_code == 303
    assert (await Booking.select(Booking.member).where(Booking.public_id == later).first())[
        "member"
    ] == marta["id"]
    foreign = await post_form(
        client, "/dashboard/bookings/notmine00000/member", {"member": marta["public_id"]}
    )
    assert foreign.status_code == 404


async def test_someone_leaves_the_schedule_once_their_bookings_are_given_away_or_cancelled(client):
    shop = await business(client)
    javier, marta = shop["members"]
    tap, drain = shop["services"]
    first, second = [(await make_account(f"r{n}@example.com", f"Resident {n}")).id for n in range(2)]
    await hold(first, tap, monday(9), marta)
    await hold(second, drain, monday(9), javier)  # Javier can't take Marta's 9:00
    leave = f"/dashboard/team/{marta['public_id']}/leave"
    page = await client.get(leave)
    assert "Marta Ibáñez has 1 upcoming booking" in page.text and "Resident 0" in page.text
    undecided = await post_form(client, leave, {})
    assert undecided.status_code == 422 and "Choose what happens to these bookings." in undecided.text
    no_one = await post_form(client, leave, {"bookings": "move", "member": ""})
    assert no_one.status_code == 422 and "Choose who gets the bookings." in no_one.text
    kept = await post_form(client, leave, {"bookings": "move", "member": javier["public_id"]})
    assert (
        kept.status_code == 409
        and "couldn&#39;t be given away" in kept.text
        and "Javier Soler is busy" in kept.text
    )
    assert (await TeamMember.select(TeamMember.is_active).where(TeamMember.id == marta["id"]).first())[
        "is_active"
    ]
    cancelled = await post_form(client, leave, {"bookings": "cancel", "reason": "Marta is on leave."})
    assert cancelled.status_code == 303
    assert (await TeamMember.select(TeamMember.is_active).where(TeamMember.id == marta["id"]).first())[
        "is_active"
    ] is False
    team_page = await client.get("/dashboard/team")
    assert "Off the schedule" in team_page.text
    booking_page = await client.get(book_url(tap))
    assert "Marta Ibáñez" not in booking_page.text and "With Javier Soler" in booking_page.text
    last = await post_form(client, f"/dashboard/team/{javier['public_id']}/leave", {"bookings": "cancel"})
    assert last.status_code == 409 and "only active person on your team" in last.text
    back = await post_form(client, f"/dashboard/team/{marta['public_id']}/return", {})
    assert back.status_code == 303
    assert "Anyone available" in (await client.get(book_url(tap))).text


async def test_services_say_who_does_them_and_home_visits_take_one_customer(client):
    shop = await business(client, location=ServiceLocation.customer_address)
    marta = shop["members"][1]
    form = {
        "name": "Boiler check",
        "category": str(shop["services"][0]["category"]),
        "duration_minutes": "60",
        "online_price": "40",
        "list_price": "50",
        "location": "customer_address",
        "capacity": "2",
    }
    crew = await post_form(client, "/dashboard/services/new", form)
    assert crew.status_code == 422 and "takes one team member for one customer" in crew.text
    assert "Choose who on your team does this service." in crew.text
    added = await post_form(
        client, "/dashboard/services/new", {**form, "capacity": "1", "members": marta["public_id"]}
    )
    assert added.status_code == 303
    boiler = await Service.select().where(Service.name == "Boiler check").first()
    assert {row["member"] for row in await Slot.select(Slot.member).where(Slot.service == boiler["id"])} == {
        marta["id"]
    }
    listing = await client.get("/dashboard/services")
    assert "Done by Marta Ibáñez" in listing.text
    form_page = await client.get(f"/dashboard/services/{boiler['public_id']}")
    assert re.search(
        rf'<input checked id="members-\d" name="members" type="checkbox" value="{marta["public_id"]}"',
        form_page.text,
    )


async def test_the_calendar_shows_the_team_or_one_person_and_closes_times_for_either(client):
    shop = await business(client)
    javier, marta = shop["members"]
    tap = shop["services"][0]
    everyone = await client.get("/dashboard/calendar", params={"week": "2026-11-23"})
    assert "the whole team" in everyone.text and "2 free" in everyone.text
    slot = (
        await Slot.select()
        .where(Slot.service == tap["id"], Slot.member == javier["id"])
        .order_by(Slot.starts_at)
        .first()
    )
    closed = await post_form(
        client, f"/dashboard/calendar/slots/{slot['id']}/close", {"scope": "everyone"}, headers=HTMX
    )
    assert closed.status_code == 200 and "<html" not in closed.text and "Closed" in closed.text
    assert (
        await Slot.count().where(
            Slot.service == tap["id"], Slot.starts_at == slot["starts_at"], Slot.is_closed.eq(True)
        )
        == 2
    )
    alone = await client.get(
        "/dashboard/calendar", params={"week": "2026-11-23", "member": marta["public_id"]}
    )
    assert "Close this day for Marta Ibáñez" in alone.text
    reopened = await post_form(client, f"/dashboard/calendar/slots/{slot['id']}/reopen", {}, headers=HTMX)
    assert "Free" in reopened.text and f'id="slot-{slot["id"]}"' in reopened.text
    odd = await client.get("/dashboard/calendar", params={"member": "nobody"})
    assert odd.status_code == 200 and "the whole team" in odd.text
    day = await client.get("/dashboard/calendar/days/2026-11-23/close", params={"member": "nobody"})
    assert day.status_code == 404


async def test_unknown_people_and_pages_are_missing_not_errors(client):
    await business(client)
    for path in ("/dashboard/team/nobody", "/dashboard/team/%00", "/dashboard/team/0123456789ab/leave"):
        assert (await client.get(path)).status_code == 404
    assert (await post_form(client, "/dashboard/team/0123456789ab", {"name": "X"})).status_code == 404


async def test_the_provider_page_shows_the_next_days_of_the_chosen_service(client):
    shop = await business(client)
    tap, drain = shop["services"]
    page = await client.get("/providers/fontaneria-russafa", params={"service": drain["public_id"]})
    assert f"?service={drain['public_id']}&amp;day=2026-11-23#days" in page.text
    odd = await client.get("/providers/fontaneria-russafa", params={"service": "<b>"})
    assert odd.status_code == 200 and f"?service={tap['public_id']}&amp;day=2026-11-23#days" in odd.text


async def test_a_buffer_longer_than_the_offered_choices_is_refused_on_the_hours_form(client):
    await business(client)
    form = {"min_notice_minutes": "60", "horizon_days": "30", "buffer_minutes": "1500", "d0_opens_1": "09:00"}
    response = await post_form(client, "/dashboard/hours", {**form, "d0_closes_1": "14:00"})
    assert response.status_code == 422
    assert "Choose how much time you need between jobs." in response.text and 'value="14:00"' in response.text
