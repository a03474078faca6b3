"""Redemption pieces templates call: the QR of a code and whether a redemption may still be undone."""

from __future__ import annotations

import segno
from markupsafe import Markup

from app.booking.codes import grouped
from app.redemption.rules import may_undo, undo_deadline
from app.settings import Settings


def template_globals(settings: Settings) -> dict[str, object]:
    def redeem_qr(code: str) -> Markup:
        """The code as a QR (inline SVG): it opens the provider's Redeem page with the code filled in."""
        address = f"{settings.public_url}/dashboard/redeem?code={grouped(code)}"
        # segno writes the SVG itself from the address; nothing in it comes from a person.
        return Markup(  # noqa: S704
            segno.make(address, error="m").svg_inline(
                scale=1, omitsize=True, title=f"QR code for {grouped(code)}"
            )
        )

    return {"redeem_qr": redeem_qr, "may_undo": may_undo, "undo_deadline": undo_deadline}
