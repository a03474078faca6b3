"""Writes to the catalogue: provider profiles, photos, and the city's lists.

Each public function owns its transaction. Anything that changes what a provider is found by
refreshes its search document. What a provider sells and when (services, hours) changes with its
slots, in booking.offer_services.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from app import database
from app.accounts.identity import CurrentUser, Role
from app.accounts.services import account_sign_up
from app.accounts.tables import UserAccount
from app.accounts.throttle import ThrottleRule
from app.catalog.search import search_document
from app.catalog.tables import (
    Category,
    Neighbourhood,
    Provider,
    ProviderPhoto,
    ProviderServiceArea,
    Service,
    TeamMember,
)
from app.media.storage import MediaStore, StoredImage
from app.shared.errors import ConflictError, DomainError, NotFoundError
from app.shared.text import slugify

SLUG_TAKEN = "Another business already uses this web address. Try adding your neighbourhood."
SLUG_INVALID = "Use lower-case letters, digits and dashes, like fontaneria-russafa."
PHOTO_LIMIT = 20
PHOTO_LIMIT_REACHED = f"A business can show at most {PHOTO_LIMIT} photos. Delete some before adding more."
NAME_TAKEN = "That name is already in the list."


@dataclass(frozen=True, slots=True)
class ProviderSignUp:
    business_name: str
    neighbourhood_id: int


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    name: str
    slug: str
    description: str
    neighbourhood_id: int
    service_area_ids: list[int]
    address: str
    phone: str


# --- providers ---------------------------------------------------------------------------------


async def provider_slug_free(*, name: str, also_taken: frozenset[str] = frozenset()) -> str:
    """A slug for ``name`` that no provider uses yet: "name", then "name-2", "name-3", ..."""
    base = slugify(name) or "provider"
    taken = also_taken | {
        row["slug"] for row in await Provider.select(Provider.slug).where(Provider.slug.like(f"{base}%"))
    }
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


async def provider_create(*, owner_id: int, name: str, neighbourhood_id: int | None, now: datetime) -> dict:
    """An unverified provider profile owned by ``owner_id``; not listed until an admin verifies it."""
    tried: set[str] = set()
    slug = await provider_slug_free(name=name)
    while True:
        # DO NOTHING instead of failing: a business signing up with the same name at the same
        # moment takes the next suffix rather than an error (on PostgreSQL the insert waits for
        # the other transaction and then sees its slug).
        rows = (
            await Provider.insert(
                Provider(
                    slug=slug,
                    name=name,
                    owner=owner_id,
                    neighbourhood=neighbourhood_id,
                    calendar_token=secrets.token_urlsafe(24),
                    created_at=now,
                )
            )
            .on_conflict(target=Provider.slug, action="DO NOTHING")
            .returning(Provider.id, Provider.slug)
        )
        if rows:
            break
        tried.add(slug)
        slug = await provider_slug_free(name=name, also_taken=frozenset(tried))
    provider_id = rows[0]["id"]
    if neighbourhood_id is not None:
        await ProviderServiceArea.insert(
            ProviderServiceArea(provider=provider_id, neighbourhood=neighbourhood_id)
        )
    owner = await UserAccount.select(UserAccount.display_name).where(UserAccount.id == owner_id).first()
    await team_member_create_owner(
        provider_id=provider_id, name=(owner["display_name"] if owner else "") or name, now=now
    )
    await provider_search_refresh(provider_id=provider_id)
    return rows[0]


async def team_member_create_owner(*, provider_id: int, name: str, now: datetime) -> None:
    """A new business's first member: its owner, who will perform every service it adds."""
    await TeamMember.insert(
        TeamMember(public_id=secrets.token_hex(6), provider=provider_id, name=name[:80], created_at=now)
    )


async def provider_sign_up(
    *,
    email: str,
    display_name: str,
    password: str,
    ip: str,
    rule: ThrottleRule,
    now: datetime,
    business: ProviderSignUp,
) -> CurrentUser:
    """A provider's account and its unverified profile, created together or not at all."""

    async def profile(account_id: int) -> None:
        await provider_create(
            owner_id=account_id,
            name=business.business_name,
            neighbourhood_id=business.neighbourhood_id,
            now=now,
        )

    return await account_sign_up(
        email=email,
        display_name=display_name,
        password=password,
        ip=ip,
        rule=rule,
        now=now,
        role=Role.provider,
        with_account=profile,
    )


async def provider_search_refresh(*, provider_id: int) -> None:
    """Rebuild the words a provider is found by from its name, description, place and services."""
    provider = (
        await Provider.select(Provider.name, Provider.description, Provider.neighbourhood.name)
        .where(Provider.id == provider_id)
        .first()
    )
    services = await Service.select(
        Service.name, Service.description, Service.category.name, Service.category.description
    ).where(Service.provider == provider_id, Service.is_archived.eq(False))
    parts = [provider["name"], provider["description"], provider["neighbourhood.name"] or ""]
    for service in services:
        parts += [
            service["name"],
            service["description"],
            service["category.name"],
            service["category.description"],
        ]
    await Provider.update({Provider.search_text: search_document(*parts)}).where(Provider.id == provider_id)


async def provider_profile_update(*, provider_id: int, changes: ProfileChanges, now: datetime) -> None:
    slug = changes.slug
    if slugify(slug) != slug or not slug:
        raise DomainError(SLUG_INVALID, field="slug")
    try:
        async with database.transaction():
            if await Provider.exists().where(Provider.slug == slug, Provider.id != provider_id):
                raise ConflictError(SLUG_TAKEN, field="slug")
            await Provider.update(
                {
                    Provider.name: changes.name,
                    Provider.slug: slug,
                    Provider.description: changes.description,
                    Provider.neighbourhood: changes.neighbourhood_id,
                    Provider.address: changes.address,
                    Provider.phone: changes.phone,
                    Provider.updated_at: now,
                }
            ).where(Provider.id == provider_id)
            await ProviderServiceArea.delete().where(ProviderServiceArea.provider == provider_id)
            area = sorted({changes.neighbourhood_id, *changes.service_area_ids})
            await ProviderServiceArea.insert(
                *(ProviderServiceArea(provider=provider_id, neighbourhood=n) for n in area)
            )
    except Exception as exc:
        if database.is_unique_violation(exc):  # a simultaneous change took the slug first
            raise ConflictError(SLUG_TAKEN, field="slug") from exc
        raise
    await provider_search_refresh(provider_id=provider_id)


# --- photos ------------------------------------------------------------------------------------


async def _photo_count_within_limit(provider_id: int, *, adding: int) -> int:
    """How many photos the gallery has; refused if ``adding`` more would pass the limit."""
    count = await ProviderPhoto.count().where(ProviderPhoto.provider == provider_id)
    if count + adding > PHOTO_LIMIT:
        raise DomainError(PHOTO_LIMIT_REACHED, field="photos")
    return count


async def photos_check_room(*, provider_id: int, adding: int) -> None:
    """Refuse an upload of ``adding`` photos the gallery has no room for, before any is decoded.

    photos_add checks again under the provider's lock: two uploads may both pass this look.
    """
    await _photo_count_within_limit(provider_id, adding=adding)


@dataclass(frozen=True, slots=True)
class PhotosUploaded:
    added: int
    errors: list[str]  # one message per file that could not be used, naming it

    @property
    def notice(self) -> str | None:
        return f"{self.added} photo{'s' if self.added != 1 else ''} added." if self.added else None


async def photos_upload(
    *,
    provider_id: int,
    count: int,
    store_files: Callable[[], Awaitable[tuple[list[StoredImage], list[str]]]],
    store: MediaStore,
    alt_text: str,
    now: datetime,
) -> PhotosUploaded:
    """Add ``count`` posted photos to the gallery: refused before any is decoded when there is no
    room, stored by ``store_files()``, then added; if adding fails, the stored files are deleted
    again (nothing points at them)."""
    await photos_check_room(provider_id=provider_id, adding=count)
    stored, errors = await store_files()
    if stored:
        try:
            await photos_add(provider_id=provider_id, stored=stored, alt_text=alt_text, now=now)
        except BaseException as error:
            for image in stored:
                store.delete(image.key)
            if not isinstance(error, DomainError):
                raise
            return PhotosUploaded(added=0, errors=[*errors, error.message])
    return PhotosUploaded(added=len(stored), errors=errors)


async def photos_add(*, provider_id: int, stored: list[StoredImage], alt_text: str, now: datetime) -> None:
    """Append already-stored images to the gallery (the first photo of a gallery becomes its cover)."""
    async with database.transaction():
        await database.lock_row(Provider, provider_id)  # two uploads at once must not pass the limit together
        count = await _photo_count_within_limit(provider_id, adding=len(stored))
        await ProviderPhoto.insert(
            *(
                ProviderPhoto(
                    provider=provider_id,
                    image_key=image.key,
                    width=image.width,
                    height=image.height,
                    alt_text=alt_text,
                    position=count + offset,
                    created_at=now,
                )
                for offset, image in enumerate(stored)
            )
        )


async def _gallery(provider_id: int) -> list[dict]:
    return (
        await ProviderPhoto.select(ProviderPhoto.id, ProviderPhoto.image_key)
        .where(ProviderPhoto.provider == provider_id)
        .order_by(ProviderPhoto.position)
        .order_by(ProviderPhoto.id)
    )


async def _save_order(order: list[dict]) -> None:
    for position, photo in enumerate(order):
        await ProviderPhoto.update({ProviderPhoto.position: position}).where(ProviderPhoto.id == photo["id"])


def _index_of(order: list[dict], image_key: str) -> int:
    for index, photo in enumerate(order):
        if photo["image_key"] == image_key:
            return index
    raise NotFoundError("That photo doesn't exist, or belongs to another business.")


async def photo_move(*, provider_id: int, image_key: str, steps: int) -> None:
    """Move a photo ``steps`` places (negative: towards the cover), clamped to the gallery."""
    async with database.transaction():
        order = await _gallery(provider_id)
        index = _index_of(order, image_key)
        photo = order.pop(index)
        order.insert(max(0, min(len(order), index + steps)), photo)
        await _save_order(order)


async def photo_make_cover(*, provider_id: int, image_key: str) -> None:
    async with database.transaction():
        order = await _gallery(provider_id)
        order.insert(0, order.pop(_index_of(order, image_key)))
        await _save_order(order)


async def photo_delete(*, provider_id: int, image_key: str, store: MediaStore) -> None:
    async with database.transaction():
        order = await _gallery(provider_id)
        photo = order.pop(_index_of(order, image_key))
        await ProviderPhoto.delete().where(ProviderPhoto.id == photo["id"])
        await _save_order(order)
    store.delete(image_key)


# --- the city's lists (admin) ------------------------------------------------------------------


async def _list_add(table, name: str, extra: dict) -> None:
    slug = slugify(name)
    if not slug:
        raise DomainError("Use at least one letter or digit.", field="name")
    try:
        async with database.transaction():
            if await table.exists().where((table.slug == slug) | (table.name == name)):
                raise ConflictError(NAME_TAKEN, field="name")
            position = await table.count()
            await table.insert(table(name=name, slug=slug, position=position, **extra))
    except Exception as exc:
        if database.is_unique_violation(exc):
            raise ConflictError(NAME_TAKEN, field="name") from exc
        raise


async def _list_rename(table, item_id: int, name: str) -> None:
    """Renames keep the slug, so shared links keep working."""
    async with database.transaction():
        if not await table.exists().where(table.id == item_id):
            raise NotFoundError("That item no longer exists.")
        if await table.exists().where(table.name == name, table.id != item_id):
            raise ConflictError(NAME_TAKEN, field="name")
        await table.update({table.name: name}).where(table.id == item_id)


async def _list_move(table, item_id: int, steps: int) -> None:
    async with database.transaction():
        order = await table.select(table.id).order_by(table.position).order_by(table.name)
        ids = [row["id"] for row in order]
        if item_id not in ids:
            raise NotFoundError("That item no longer exists.")
        index = ids.index(item_id)
        ids.insert(max(0, min(len(ids) - 1, index + steps)), ids.pop(index))
        for position, row_id in enumerate(ids):
            await table.update({table.position: position}).where(table.id == row_id)


async def category_add(*, name: str, description: str) -> None:
    await _list_add(Category, name, {"description": description})


async def category_rename(*, category_id: int, name: str) -> None:
    await _list_rename(Category, category_id, name)
    offering = await Service.select(Service.provider).where(Service.category == category_id).distinct()
    for row in offering:
        await provider_search_refresh(provider_id=row["provider"])


async def category_move(*, category_id: int, steps: int) -> None:
    await _list_move(Category, category_id, steps)


async def neighbourhood_add(*, name: str, latitude: float, longitude: float) -> None:
    await _list_add(Neighbourhood, name, {"latitude": latitude, "longitude": longitude})


async def neighbourhood_rename(*, neighbourhood_id: int, name: str) -> None:
    await _list_rename(Neighbourhood, neighbourhood_id, name)
    for row in await Provider.select(Provider.id).where(Provider.neighbourhood == neighbourhood_id):
        await provider_search_refresh(provider_id=row["id"])


async def neighbourhood_move(*, neighbourhood_id: int, steps: int) -> None:
    await _list_move(Neighbourhood, neighbourhood_id, steps)
