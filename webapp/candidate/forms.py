"""The candidate's forms. They carry what the browser sent; the check's rules live in the services."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField


class CheckForm(FlaskForm):
    class Meta:
        csrf = False   # the sitting's link authorises the check, not the session (see candidate/views.py)

    # Filled by check.js: what the browser can do (fetch, local storage, screen size, ...), as JSON.
    browser = HiddenField()
    consent = BooleanField(_l("I agree that the camera is used as described above."))
    # check.js puts the photo taken with the camera here; without a camera a file can be chosen.
    reference_photo = FileField(_l("Photo of yourself"))
    id_photo = FileField(_l("Photo of your ID document"))

    def browser_details(self) -> dict:
        try:
            details = json.loads(self.browser.data or "{}")
        except ValueError:
            return {}
        return details if isinstance(details, dict) else {}

    def photo(self, kind: str) -> bytes | None:
        upload = self[kind].data
        return upload.read() if upload else None
