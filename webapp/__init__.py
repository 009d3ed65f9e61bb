"""Proctora, an online assessment and proctoring platform. The application factory is the app's wiring."""
from webapp.wiring import create_app  # noqa: F401
