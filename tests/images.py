"""Real images made by an image library, in any format it writes, for the upload tests."""
import io

from PIL import Image


def image_bytes(image_format: str, size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=image_format)
    return buffer.getvalue()
