"""A 64x64 RGB image folder from real pictures (photographs and digital art), for the conv model's RGB run (no CelebA here: nothing can be
downloaded but Debian's packages). The photos are KDE Plasma's wallpapers (Debian's plasma-workspace-wallpapers
5.27.5, `apt-get download` + `dpkg -x`): each wallpaper's largest image is scaled so its short side is 512 pixels
and cut into random 64x64 crops (seed 1). The first 25 wallpapers in name order give the training folder (320 crops
each), the last 5 the test folder (200 each), so the test images come from photographs the model never saw; one
subfolder per wallpaper.

    python3 make-patches.py WALLPAPERS_DIR OUT_DIR
"""
import os
import random
import sys

from PIL import Image


def largest(folder):
    images = os.path.join(folder, "contents", "images")
    files = [f for f in os.listdir(images) if f.lower().endswith((".png", ".jpg", ".jpeg"))]
    return os.path.join(images, max(files, key=lambda f: Image.open(os.path.join(images, f)).size[0] * Image.open(os.path.join(images, f)).size[1]))


def main():
    source, out = sys.argv[1], sys.argv[2]
    rng = random.Random(1)
    names = sorted(n for n in os.listdir(source) if os.path.isdir(os.path.join(source, n, "contents", "images")))
    for i, name in enumerate(names):
        split, count = ("train", 320) if i < len(names) - 5 else ("test", 200)
        image = Image.open(largest(os.path.join(source, name))).convert("RGB")
        scale = 512 / min(image.size)
        image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.LANCZOS)
        folder = os.path.join(out, split, name)
        os.makedirs(folder, exist_ok=True)
        for k in range(count):
            x, y = rng.randrange(image.size[0] - 64), rng.randrange(image.size[1] - 64)
            image.crop((x, y, x + 64, y + 64)).save(os.path.join(folder, f"{k:04d}.png"))
        print(f"{split} {name}: {count} crops of {image.size[0]}x{image.size[1]}", flush=True)


main()
