"""Exams (Mettl's schedules): an assessment offered to candidates with a window, access rules,
proctoring settings, a proctor pool and callback URLs."""
from __future__ import annotations

import enum
from datetime import date, time
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Time, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.accounts.models import Institute, ReleasePolicy, User
from webapp.assessments.models import Assessment
from webapp.core.database import TimestampMixin, enum_type, remember_deletion
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels


class ExamStatus(Labelled, enum.StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"   # deactivated: the links answer "exam inactive", nothing is lost


labels(ExamStatus, {
    ExamStatus.ACTIVE: _l('Active'),
    ExamStatus.INACTIVE: _l('Inactive'),
})


class ScheduleType(Labelled, enum.StrEnum):
    ALWAYS_ON = "AlwaysOn"
    FIXED = "Fixed"


labels(ScheduleType, {
    ScheduleType.ALWAYS_ON: _l('Always open'),
    ScheduleType.FIXED: _l('Fixed dates'),
})


class FixedAccessOption(Labelled, enum.StrEnum):
    EXACT_TIME = "ExactTime"   # one window from the start date and time to the end date and time
    SLOT_WISE = "SlotWise"     # the daily slot from the start time to the end time on each date of the range


labels(FixedAccessOption, {
    FixedAccessOption.EXACT_TIME: _l('One window'),
    FixedAccessOption.SLOT_WISE: _l('A daily slot'),
})


class AccessType(Labelled, enum.StrEnum):
    OPEN_FOR_ALL = "OpenForAll"      # anyone with the exam link registers
    BY_INVITATION = "ByInvitation"   # only registered candidates, through their personal links


labels(AccessType, {
    AccessType.OPEN_FOR_ALL: _l('Anyone with the link'),
    AccessType.BY_INVITATION: _l('By invitation only'),
})


class IpRestriction(Labelled, enum.StrEnum):
    NONE = "NONE"
    SINGLE = "SINGLE"
    RANGE = "RANGE"


labels(IpRestriction, {
    IpRestriction.NONE: _l('Any address'),
    IpRestriction.SINGLE: _l('One address'),
    IpRestriction.RANGE: _l('An address range'),
})


exam_proctors = Table(
    "exam_proctors",
    db.metadata,
    Column("exam_id", ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Exam(TimestampMixin, db.Model):
    __tablename__ = "exams"
    __table_args__ = (UniqueConstraint("institute_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    access_key: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[ExamStatus] = mapped_column(enum_type(ExamStatus), default=ExamStatus.ACTIVE)

    schedule_type: Mapped[ScheduleType] = mapped_column(enum_type(ScheduleType), default=ScheduleType.ALWAYS_ON)
    fixed_access_option: Mapped[Optional[FixedAccessOption]] = mapped_column(enum_type(FixedAccessOption), default=None)
    starts_on_date: Mapped[Optional[date]] = mapped_column(Date, default=None)
    ends_on_date: Mapped[Optional[date]] = mapped_column(Date, default=None)
    starts_on_time: Mapped[Optional[time]] = mapped_column(Time, default=None)
    ends_on_time: Mapped[Optional[time]] = mapped_column(Time, default=None)
    # A named IANA zone (`Europe/Berlin`, daylight saving applied) or Mettl's fixed `UTC+05:30`.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC+00:00")
    # The candidate pages' and e-mails' language; "" follows the institute's.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")

    access_type: Mapped[AccessType] = mapped_column(enum_type(AccessType), default=AccessType.OPEN_FOR_ALL)
    email_on_invitation: Mapped[bool] = mapped_column(default=False)
    ip_restriction: Mapped[IpRestriction] = mapped_column(enum_type(IpRestriction), default=IpRestriction.NONE)
    # SINGLE: one address; RANGE: "10.0.0.0/8" or "192.168.1.10-192.168.1.50" entries
    ip_addresses: Mapped[list] = mapped_column(JSON, default=list)

    image_proctoring: Mapped[bool] = mapped_column(default=False)
    candidate_auth_proctored: Mapped[bool] = mapped_column(default=False)
    web_proctoring_enabled: Mapped[bool] = mapped_column(default=False)
    web_proctoring_count: Mapped[int] = mapped_column(default=3)
    web_proctoring_show_remaining: Mapped[bool] = mapped_column(default=True)
    admission_required: Mapped[bool] = mapped_column(default=False)
    allow_copy_paste: Mapped[bool] = mapped_column(default=False)
    exit_redirection_url: Mapped[str] = mapped_column(String(1000), default="")

    grade_notification_enabled: Mapped[bool] = mapped_column(default=False)
    grade_notification_recipients: Mapped[list] = mapped_column(JSON, default=list)
    source_app: Mapped[str] = mapped_column(String(200), default="")
    test_start_notification_url: Mapped[str] = mapped_column(String(1000), default="")
    test_finish_notification_url: Mapped[str] = mapped_column(String(1000), default="")
    test_graded_notification_url: Mapped[str] = mapped_column(String(1000), default="")
    test_resume_enabled_for_expired_test_url: Mapped[str] = mapped_column(String(1000), default="")
    notify_client: Mapped[bool] = mapped_column(default=False)
    # None: the institute's default_release_policy (results.release.policy_of gives the one in force).
    release_policy: Mapped[Optional[ReleasePolicy]] = mapped_column(enum_type(ReleasePolicy), default=None)
    # Retakes: how many sittings a candidate may have in this exam (1: no retake), and how long after an
    # attempt finished the next may begin.
    max_attempts: Mapped[int] = mapped_column(default=1, server_default="1")
    retake_wait_hours: Mapped[int] = mapped_column(default=0, server_default="0")

    institute: Mapped[Institute] = relationship()
    assessment: Mapped[Assessment] = relationship()
    proctors: Mapped[list[User]] = relationship(secondary=exam_proctors, order_by="User.name")

    @property
    def is_active(self) -> bool:
        return self.status == ExamStatus.ACTIVE

    @property
    def has_fixed_window(self) -> bool:
        """A fixed schedule: a test ends at the latest when its window closes."""
        return self.schedule_type == ScheduleType.FIXED

    @property
    def allows_retakes(self) -> bool:
        return self.max_attempts > 1

    @property
    def by_invitation(self) -> bool:
        return self.access_type == AccessType.BY_INVITATION

    @property
    def restricts_ip(self) -> bool:
        return self.ip_restriction != IpRestriction.NONE


@event.listens_for(Exam, "after_delete")
def _exam_deleted(_mapper, connection, exam: Exam) -> None:
    remember_deletion(connection, "exam", exam.access_key, exam.institute_id)
