"""Decode QR images with a real decoder (zxing-cpp); SVGs are rasterised by the
real headless Chromium first (the same flags as the report test)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def decode_png(path: Path) -> list[str]:
    with Image.open(path) as img:
        return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


def chromium(args: list[str], workdir: Path, timeout: int = 90) -> subprocess.CompletedProcess[
        str]:
    profile = workdir / f"chromium-profile-{len(list(workdir.iterdir()))}"
    return subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


def screenshot(url: str, out: Path, workdir: Path, size: str = "900,900") -> None:
    done = chromium([f"--screenshot={out}", f"--window-size={size}", url], workdir)
    assert out.exists(), done.stderr[-2000:]


def decode_svg(path: Path, workdir: Path) -> list[str]:
    png = workdir / (path.stem + "-raster.png")
    screenshot(path.as_uri(), png, workdir)
    return decode_png(png)
