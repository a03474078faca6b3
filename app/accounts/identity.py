"""Who a signed-in person is to the platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    resident = "resident"
    provider = "provider"
    admin = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {Role.resident: "Resident", Role.provider: "Provider", Role.admin: "Administrator"}


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    email: str
    display_name: str
    role: Role

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0] if self.display_name.strip() else self.display_name
