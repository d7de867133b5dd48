"""Uploads of every common kind become upright RGB; bad ones get a message a person understands."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from ganviz.style.images import ImageError, load_image, resize, to_tensor, to_uint8


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but holds no pixels: what a decompression bomb looks like up front."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_rgba_is_composited_over_white():
    rgba = Image.new("RGBA", (4, 3), (255, 0, 0, 0))
    rgba.putpixel((0, 0), (255, 0, 0, 255))
    out = load_image(encode(rgba))
    assert out.mode == "RGB" and out.size == (4, 3)
    assert out.getpixel((0, 0)) == (255, 0, 0) and out.getpixel((1, 1)) == (255, 255, 255)


@pytest.mark.parametrize("mode", ["L", "LA", "1", "P", "CMYK"])
def test_common_modes_become_rgb(mode):
    image = Image.new("RGB", (5, 4), (40, 120, 200)).convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = load_image(encode(image, fmt))
    assert out.mode == "RGB" and out.size == (5, 4)


def test_palette_with_transparency():
    image = Image.new("P", (3, 3), 0)
    image.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    image.putpixel((1, 1), 1)
    out = load_image(encode(image, transparency=0))
    assert out.getpixel((0, 0)) == (255, 255, 255) and out.getpixel((1, 1)) == (10, 200, 30)


def test_16_bit_greyscale_keeps_its_brightness():
    ramp = (np.linspace(0, 65535, 16).reshape(4, 4)).astype(np.uint16)
    image = Image.fromarray(ramp)
    assert image.mode.startswith("I")
    out = np.asarray(load_image(encode(image)))
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255 and 100 < out[2, 0, 0] < 160


def test_exif_rotation_is_applied():
    image = Image.new("RGB", (6, 2), (0, 0, 0))
    image.putpixel((0, 0), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = load_image(encode(image, "JPEG", exif=exif.tobytes(), quality=100))
    assert out.size == (2, 6)
    assert out.getpixel((1, 0))[0] > 200  # the top-left pixel went to the top-right


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("P", (4, 4), i) for i in range(3)]
    for i, frame in enumerate(frames):
        frame.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    data = io.BytesIO()
    frames[0].save(data, "GIF", save_all=True, append_images=frames[1:])
    assert load_image(data.getvalue()).getpixel((0, 0)) == (255, 0, 0)


def test_a_file_that_is_not_an_image():
    with pytest.raises(ImageError, match="notes.png is not an image this app can read; use a PNG, JPEG"):
        load_image(b"just some text, not pixels", name="notes.png")


def test_a_truncated_image():
    data = encode(Image.effect_noise((64, 64), 50).convert("RGB"), "PNG")
    with pytest.raises(ImageError, match="photo.png .* damaged or incomplete"):
        load_image(data[: len(data) // 2], name="photo.png")


def test_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(ImageError, match=r"big.png is 9000x9000 = 81 megapixels, above the limit of 50"):
        load_image(png_header_only(9000, 9000), name="big.png")
    with pytest.raises(ImageError, match="above the limit of 1"):
        load_image(encode(Image.new("RGB", (1200, 1000))), max_pixels=1_000_000)


def test_a_decompression_bomb_is_refused():
    # beyond twice PIL's own MAX_IMAGE_PIXELS: PIL refuses in Image.open, we say why
    with pytest.raises(ImageError, match="too large to open safely"):
        load_image(png_header_only(30000, 30000), name="bomb.png", max_pixels=10**10)


def test_paths_and_missing_files(tmp_path):
    path = tmp_path / "x.png"
    Image.new("RGB", (3, 2), (1, 2, 3)).save(path)
    assert load_image(path).getpixel((0, 0)) == (1, 2, 3)
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "missing.png")


def test_resize_keeps_the_aspect_ratio_and_tensors_round_trip():
    image = Image.new("RGB", (400, 200), (10, 20, 30))
    small = resize(image, 100)
    assert small.size == (100, 50)
    x = to_tensor(small)
    assert x.shape == (3, 50, 100) and 0 <= float(x.min()) and float(x.max()) <= 1
    assert to_uint8(x)[0, 0].tolist() == [10, 20, 30]


@pytest.mark.parametrize("width, height", [(50000, 1), (1, 50000), (2100, 100)])
def test_an_absurd_aspect_ratio_is_refused_before_decoding(width, height):
    with pytest.raises(ImageError, match=rf"strip.png is {width}x{height}, more than 20 times longer"):
        load_image(png_header_only(width, height), name="strip.png")


def test_a_panorama_is_fine():
    assert load_image(encode(Image.new("RGB", (400, 50)))).size == (400, 50)
