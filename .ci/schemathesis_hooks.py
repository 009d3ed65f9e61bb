"""Schemathesis hooks for the CI's API contract run (.ci/schemathesis.sh): every generated request is
signed the way Mettl's spec (section 10) says, or carries the EURO PRUEFSTER token, with the
credentials the script created (PROCTORA_AK, PROCTORA_PRIVATE_KEY, PROCTORA_EURO_TOKEN)."""
import base64
import hashlib
import hmac
import os
import time
from urllib.parse import unquote

import schemathesis

AUTH_PARAMETERS = ("ak", "ts", "asgn")
FILE_FIELDS = ("logo", "fav", "cov")   # sent as files, which Mettl leaves out of the signature


@schemathesis.auth()
class ProctoraAuth:
    def get(self, case, ctx):
        return {name: os.environ[f"PROCTORA_{name.upper()}"] for name in ("ak", "private_key", "euro_token", "url")}

    def set(self, case, data, ctx):
        if case.path.startswith("/api/v1/"):
            case.headers = {**(case.headers or {}), "Authorization": f"apiEuroToken {data['euro_token']}"}
            return
        query = {name: value for name, value in (case.query or {}).items() if name not in AUTH_PARAMETERS}
        # A fraction makes every request's signature its own, so none is refused as a replay (E422).
        query.update(ak=data["ak"], ts=f"{time.time():.6f}")
        signed = [(name, str(value)) for name, value in query.items()]
        if isinstance(case.body, dict):
            signed += [(name, str(value)) for name, value in case.body.items()
                       if name not in FILE_FIELDS and not isinstance(value, bytes)]
        url = data["url"] + unquote(case.formatted_path)
        message = case.method.upper() + url + "\n" + "\n".join(value for _, value in sorted(signed, key=lambda p: p[0]))
        query["asgn"] = base64.b64encode(hmac.new(data["private_key"].encode(), message.encode(),
                                                  hashlib.sha1).digest()).decode()
        case.query = query
