"""Generated pictures for demo providers: a colour per category, soft shapes and a house."""

from __future__ import annotations

import random

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

PHOTO_SIZE = (1024, 683)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, round(channel * factor))) for channel in colour)


def _diagonal_gradient() -> Image.Image:
    vertical = Image.linear_gradient("L").resize(PHOTO_SIZE)
    horizontal = Image.linear_gradient("L").rotate(90).resize(PHOTO_SIZE)
    return ImageChops.add(vertical, horizontal, scale=2)


def demo_photo(category: str, colour: tuple[int, int, int], rng: random.Random) -> Image.Image:
    width, height = PHOTO_SIZE
    tint = rng.uniform(0.85, 1.15)
    image = ImageOps.colorize(_diagonal_gradient(), _shade(colour, 0.55 * tint), _shade(colour, 1.3 * tint))
    overlay = Image.new("RGBA", PHOTO_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(6, 11)):
        radius = rng.randint(50, 240)
        x, y = rng.randint(-80, width + 80), rng.randint(-80, height + 80)
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, rng.randint(16, 42))
        )
    # A house: these services happen at home.
    cx, base, scale = (
        width * rng.uniform(0.55, 0.75),
        height * rng.uniform(0.5, 0.62),
        rng.uniform(0.85, 1.15),
    )
    draw.polygon(
        [
            (cx - 160 * scale, base - 60 * scale),
            (cx, base - 200 * scale),
            (cx + 160 * scale, base - 60 * scale),
        ],
        fill=(255, 255, 255, 215),
    )
    draw.rectangle(
        (cx - 120 * scale, base - 62 * scale, cx + 120 * scale, base + 130 * scale), fill=(255, 255, 255, 195)
    )
    draw.rectangle(
        (cx - 32 * scale, base + 25 * scale, cx + 32 * scale, base + 130 * scale),
        fill=(*_shade(colour, 0.7), 235),
    )
    draw.rectangle(
        (cx + 50 * scale, base - 20 * scale, cx + 95 * scale, base + 25 * scale),
        fill=(*_shade(colour, 0.9), 200),
    )
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    text = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=38)
    label_width = text.textlength(category, font=font)
    text.rounded_rectangle((48, height - 128, 48 + label_width + 52, height - 60), 34, fill="white")
    text.text((74, height - 119), category, font=font, fill=_shade(colour, 0.55))
    return image.convert("RGB")
