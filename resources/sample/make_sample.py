"""Regenerate the sample dataset: ``python -m resources.sample.make_sample``.

Parts (washers, hex nuts, L-brackets) lie on a textured conveyor belt under uneven light. Each
image's true shapes go to labels.json. One picture is stored rotated with an EXIF orientation tag,
as phones do, so the sample exercises orientation handling too.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).parent
SIZE = (800, 600)
COUNT = 24
CLASSES = ("washer", "nut", "bracket")
ROTATED = "part_007.jpg"  # stored sideways with EXIF orientation 6


def _belt(rng: random.Random) -> Image.Image:
    w, h = SIZE
    base = Image.effect_noise(SIZE, 18).convert("RGB")
    tint = Image.new("RGB", SIZE, (70 + rng.randint(-8, 8), 74, 80))
    img = Image.blend(tint, base, 0.25)
    draw = ImageDraw.Draw(img)
    for y in range(0, h, 40):  # belt seams
        draw.line([(0, y + rng.randint(0, 6)), (w, y)], fill=(58, 60, 66), width=2)
    light = Image.radial_gradient("L").resize(SIZE).point(lambda v: 255 - v // 2)
    dark = Image.new("RGB", SIZE, (20, 20, 24))
    return Image.composite(img, dark, light)


def _washer(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> list[list[float]]:
    draw.ellipse(
        [cx - r, cy - r, cx + r, cy + r], fill=(180, 182, 186), outline=(120, 120, 125), width=3
    )
    draw.ellipse([cx - r * 0.45, cy - r * 0.45, cx + r * 0.45, cy + r * 0.45], fill=(64, 66, 72))
    return [
        [cx + r * math.cos(a * math.pi / 8), cy + r * math.sin(a * math.pi / 8)] for a in range(16)
    ]


def _nut(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, rot: float
) -> list[list[float]]:
    pts = [
        [cx + r * math.cos(rot + k * math.pi / 3), cy + r * math.sin(rot + k * math.pi / 3)]
        for k in range(6)
    ]
    draw.polygon([tuple(p) for p in pts], fill=(150, 130, 70), outline=(100, 85, 40))
    draw.ellipse([cx - r * 0.4, cy - r * 0.4, cx + r * 0.4, cy + r * 0.4], fill=(60, 55, 40))
    return pts


def _bracket(
    draw: ImageDraw.ImageDraw, x: float, y: float, s: float, rot: float
) -> list[list[float]]:
    shape = [(0, 0), (1, 0), (1, 0.3), (0.3, 0.3), (0.3, 1), (0, 1)]
    c, si = math.cos(rot), math.sin(rot)
    pts = [[x + s * (px * c - py * si), y + s * (px * si + py * c)] for px, py in shape]
    draw.polygon([tuple(p) for p in pts], fill=(90, 140, 190), outline=(50, 90, 140))
    return pts


def make(seed: int = 7) -> None:
    rng = random.Random(seed)
    out = HERE / "images"
    out.mkdir(exist_ok=True)
    labels: dict[str, list[dict[str, object]]] = {}
    for i in range(COUNT):
        img = _belt(rng)
        draw = ImageDraw.Draw(img)
        shapes: list[dict[str, object]] = []
        for _ in range(rng.randint(1, 5)):
            kind = rng.choice(CLASSES)
            x, y = rng.uniform(90, SIZE[0] - 190), rng.uniform(90, SIZE[1] - 190)
            if kind == "washer":
                pts = _washer(draw, x, y, rng.uniform(30, 60))
            elif kind == "nut":
                pts = _nut(draw, x, y, rng.uniform(28, 50), rng.uniform(0, math.pi))
            else:
                pts = _bracket(draw, x, y, rng.uniform(70, 110), rng.uniform(-0.4, 0.4))
            shapes.append({"class": kind, "polygon": [[round(a, 1), round(b, 1)] for a, b in pts]})
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        name = f"part_{i:03d}.jpg"
        if name == ROTATED:
            # Store the pixels turned 90° clockwise back, tagged orientation 6: viewers that honour
            # EXIF show the upright picture, which is the frame the labels are in.
            stored = img.transpose(Image.Transpose.ROTATE_90)
            exif = Image.Exif()
            exif[0x0112] = 6
            stored.save(out / name, quality=85, exif=exif.tobytes())
        else:
            img.save(out / name, quality=85)
        labels[name] = shapes
    (HERE / "labels.json").write_text(
        json.dumps({"classes": list(CLASSES), "images": labels}, indent=1)
    )


if __name__ == "__main__":
    make()
