"""Writes to the catalogue."""

from __future__ import annotations

from datetime import datetime

from app.catalog.rules import search_document
from app.catalog.tables import Neighbourhood, Provider
from app.shared.text import slugify


async def free_provider_slug(name: str) -> str:
    """A slug for ``name`` that no provider uses yet: "name", then "name-2", "name-3", ..."""
    base = slugify(name) or "provider"
    taken = {
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
    neighbourhood = (
        await Neighbourhood.select(Neighbourhood.name).where(Neighbourhood.id == neighbourhood_id).first()
        if neighbourhood_id is not None
        else None
    )
    slug = await free_provider_slug(name)
    rows = await Provider.insert(
        Provider(
            slug=slug,
            name=name,
            owner=owner_id,
            neighbourhood=neighbourhood_id,
            search_text=search_document(name, neighbourhood["name"] if neighbourhood else ""),
            created_at=now,
        )
    ).returning(Provider.id, Provider.slug)
    return rows[0]
