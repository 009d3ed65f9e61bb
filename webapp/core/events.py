"""Domain events: where a lower floor must set off work on a higher one, it announces what happened and
the higher floor, subscribed in `webapp.wiring`, reacts in the same transaction. Nothing below imports
upwards, and every subscription is listed in one place.

Each signal's sender is the record the event is about; keyword arguments carry the rest."""
from blinker import Namespace

_events = Namespace()

# accounts -> audit: staff, institute settings and logins changed. Keywords: an audit entry's fields.
accounts_changed = _events.signal("accounts.changed")

# sittings -> results: the last mark of a sitting is in (`corrected`: it was graded before, a grader or a
# resume changed a mark). Keywords: items, responses, corrected.
sitting_graded = _events.signal("sittings.graded")

# proctoring -> results: a review of a sitting was recorded, changed or overridden (the release follows).
review_changed = _events.signal("proctoring.review_changed")

# results -> reports: what a sitting's result shows may have changed (graded, released, corrected, withheld).
result_changed = _events.signal("results.result_changed")

# A record is about to be deleted or changed: a floor above that needs it as it is refuses by raising a
# DomainError (which says why and what to do instead), or does its own part of the deletion.
# bank -> assessments: a question is about to be deleted.
question_deleting = _events.signal("bank.question_deleting")
# assessments -> exams: an assessment is about to be deleted.
assessment_deleting = _events.signal("assessments.assessment_deleting")
# exams -> sittings: an exam is about to be deleted (its registrations go with it).
exam_deleting = _events.signal("exams.exam_deleting")
# exams -> sittings: an exam is about to change. Keywords: changes (field name -> new value).
exam_changing = _events.signal("exams.exam_changing")

# proctoring -> lti: a proctor acted on a sitting (a platform proctoring the attempt is told, LTI Proctoring
# Services). Keywords: action ("extend", "terminate", "flag", "resume"), actor, at (when), and per action
# minutes, reason, or category and note.
proctor_acted = _events.signal("proctoring.proctor_acted")
