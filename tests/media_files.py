"""Small real media files made here, for the media tests: a WAV written by the `wave` module, an MP3 of
MPEG-1 Layer III frames of silence, and the container headers of MP4, M4A, WebM and Ogg files (no
encoder is installed to make whole videos; what the checks read of them is their signature)."""
import io
import struct
import wave


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def mp3_bytes(frames: int = 20) -> bytes:
    # 128 kbit/s, 44.1 kHz, no padding: 417-byte frames; an all-zero side info decodes as silence.
    return (b"\xff\xfb\x90\x64" + b"\x00" * 413) * frames


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(brand: bytes = b"isom") -> bytes:
    return _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"iso2mp41") + _box(b"free", b"\x00" * 32)


def m4a_bytes() -> bytes:
    return mp4_bytes(b"M4A ")


def webm_bytes() -> bytes:
    doctype = b"\x42\x82\x84webm"
    header = b"\x42\x86\x81\x01" + b"\x42\xf7\x81\x01" + b"\x42\xf2\x81\x04" + b"\x42\xf3\x81\x08" + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x00" * 32


def ogg_bytes() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead\x01\x01" + b"\x00" * 40
