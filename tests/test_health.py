def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(app_config, tmp_path):
    from webapp import create_app

    broken = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"].startswith("error")


def test_a_broken_rule_goes_back_only_to_a_page_of_this_site(admin_client, admin):
    from webapp.core.permissions import Role
    from webapp.accounts.services import add_staff
    from webapp.core.extensions import db

    other = add_staff(admin.institute_id, email="examiner@example.com", name="Ex", role=Role.EXAMINER,
                      password="a-long-password")
    db.session.commit()
    # Resending an invitation to someone who has a password is refused with a flash and a redirect.
    inside = admin_client.post(f"/staff/{other.id}/resend-invitation", headers={"Referer": "http://localhost/staff"})
    assert inside.headers["Location"] == "/staff"
    outside = admin_client.post(f"/staff/{other.id}/resend-invitation",
                                headers={"Referer": "https://evil.example.com/phish"})
    assert outside.headers["Location"] == "/"
    page = admin_client.get("/staff").get_data(as_text=True)
    assert "has already chosen a password" in page
