"""Candidate records and registration together: a username staff chose never blocks a registration."""
from sqlalchemy import select

from webapp.accounts.models import Role
from webapp.accounts.services import create_institute
from webapp.candidates.models import Candidate
from webapp.candidates.services import update_candidate
from webapp.core.extensions import db
from webapp.sittings.services import candidate_sitting_rows, register_candidates


def _row(email):
    return {"Email Address": email, "First Name": "A", "Last Name": "B"}


def test_a_username_equal_to_a_new_candidates_e_mail_does_not_block_the_registration(admin, factory):
    exam = factory.exam(admin)
    register_candidates(admin, exam.id, [_row("ann@example.com")])
    ann = db.session.scalars(select(Candidate)).one()
    update_candidate(admin, ann.id, first_name="Ann", last_name="Lee", username="bob@example.com", current_level=None)
    db.session.commit()

    outcomes = register_candidates(admin, exam.id, [_row("cy@example.com"), _row("bob@example.com")])
    db.session.commit()

    assert [o.status for o in outcomes] == ["ToBeTaken", "ToBeTaken"]
    usernames = dict(db.session.execute(select(Candidate.email, Candidate.username)).all())
    assert usernames["ann@example.com"] == "bob@example.com"
    assert usernames["cy@example.com"] == "cy@example.com"
    assert usernames["bob@example.com"] not in ("bob@example.com", "cy@example.com")
    assert len(set(usernames.values())) == 3


def test_long_addresses_and_names_never_fail_the_whole_batch(admin, factory):
    exam = factory.exam(admin)
    long_email = f"{'a' * 60}@{'b' * 60}.{'c' * 40}.example.com"
    outcomes = register_candidates(admin, exam.id, [
        _row("ann@example.com"), _row(long_email), {**_row("bob@example.com"), "First Name": "B" * 121}])
    db.session.commit()

    assert [(o.status, o.field) for o in outcomes] == [("ToBeTaken", None), ("ToBeTaken", None),
                                                       ("Error", "First Name")]
    assert outcomes[2].message == "First Name is longer than 120 characters."
    stored = db.session.scalars(select(Candidate).where(Candidate.email == long_email)).one()
    assert len(stored.username) <= 120 and stored.username.startswith("a" * 60)


def test_the_candidate_links_follow_the_institute_the_state_and_the_role(admin, factory):
    exam, other = factory.exam(admin, name="June finals"), factory.exam(admin, name="July finals")
    finished = factory.finished_sitting(admin, exam, "ann@example.com")
    register_candidates(admin, other.id, [_row("ann@example.com")])
    branch, branch_admin = create_institute("Acme Pune", admin_email="pune@example.com", admin_password="x" * 12,
                                            parent_id=admin.institute_id)
    db.session.commit()
    elsewhere = factory.finished_sitting(branch_admin, factory.exam(branch_admin), "ann@example.com")
    ann = db.session.get(Candidate, finished.candidate_id)

    def links(actor, candidate):
        return {row.sitting.exam.name: (row.links_exam, row.links_result)
                for row in candidate_sitting_rows(actor, candidate)}

    assert links(admin, ann) == {"June finals": (True, True), "July finals": (True, False)}
    # A proctor reads candidates but not results; a branch's sitting is the branch's to open.
    assert links(factory.staff(admin.institute, Role.PROCTOR), ann) == {"June finals": (True, False),
                                                                       "July finals": (True, False)}
    branch_ann = db.session.get(Candidate, elsewhere.candidate_id)
    assert set(links(admin, branch_ann).values()) == {(False, False)}
