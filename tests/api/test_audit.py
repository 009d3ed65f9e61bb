"""What the API changes is in the audit log too, with the credential as the actor (its clock is not
frozen: requests are signed with the time)."""
import json

from tests.api.conftest import PNG, image_upload
from tests.audit.test_staff_actions import audit_rows
from webapp.core.extensions import db


def test_the_white_labelling_from_the_api(admin_client, admin, mettl, credential):
    form = {"wl": json.dumps({"buttonColor": "C00000"}), "sn": '["+49 30 1234567"]'}
    assert mettl.post("/v1/account/update-white-labeling", form,
                      files={"fav": image_upload(PNG, "fav.png")}).status_code == 200
    assert mettl.post("/v1/account/update-white-labeling", form).status_code == 200   # nothing changes
    db.session.commit()
    entry, = audit_rows(admin_client, "institute.white_label")
    assert entry["actor"] == f"API credential admin test credential ({credential.ak})"
    assert entry["target"] == admin.institute.name
    assert entry["changes"] == ["Button color: none -> c00000", "Support numbers: none -> +49 30 1234567",
                                f"Favicon: none -> image/png, {len(PNG)} bytes"]
