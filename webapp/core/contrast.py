"""Colour contrast as WCAG 2.1 measures it (success criterion 1.4.3): the ratio of two colours' relative
luminances, from 1:1 to 21:1. Text needs at least 4.5:1 against its background."""
from __future__ import annotations

MINIMUM_TEXT_CONTRAST = 4.5


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_digits: str) -> float:
    """`hex_digits` as six hex digits without '#' ("1a2b3c")."""
    red, green, blue = (int(hex_digits[index:index + 2], 16) for index in (0, 2, 4))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
