"""The one way a media file of the bank goes out: from storage, as the type its bytes were found to be,
with byte ranges (an audio or video player seeks with them), validators and the caching its page allows."""
from __future__ import annotations

from flask import send_file

from webapp.bank.media import media_file
from webapp.bank.models import Media

# A media file never changes under its id (new bytes are a new Media), so a browser may keep it; only
# the browser, since it may be exam content behind a login or a candidate's link.
CACHE_SECONDS = 6 * 3600


def send_media(media: Media):
    response = send_file(media_file(media), mimetype=media.content_type, conditional=True, etag=media.sha256,
                         max_age=CACHE_SECONDS, download_name=media.filename, as_attachment=False)
    response.headers["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
