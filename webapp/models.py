"""Imports every domain's models so that SQLAlchemy (and Alembic's autogenerate) know all tables."""
from webapp.accounts.models import ApiCredential, Institute, RecoveryCode, UsedSignature, User  # noqa: F401
from webapp.assessments.models import Assessment, RegistrationField, Section, SectionQuestion, SelectionRule  # noqa: F401
from webapp.audit.models import AuditEntry  # noqa: F401
from webapp.bank.import_runs import ImportRun  # noqa: F401
from webapp.bank.models import Media, Question, Skill  # noqa: F401
from webapp.candidates.models import Candidate  # noqa: F401
from webapp.core.ratelimits import RateLimitCounter  # noqa: F401
from webapp.exams.models import Exam, exam_proctors  # noqa: F401
from webapp.notifications.models import MailSettings, MailTemplate, OutboxMessage, WebhookSecret  # noqa: F401
from webapp.proctoring.models import (CandidateMessage, Flag, RetentionPolicy, Review,  # noqa: F401
                                      Snapshot)
from webapp.results.models import Certificate, CertificateSettings, RescoreRun  # noqa: F401
from webapp.sittings.models import (AnswerFile, MediaPlay, ProctorEvent, Response, Sitting, SittingReminder,  # noqa: F401
                                    SittingItem)
from webapp.lti.models import (LtiDeployment, LtiPlatform, LtiProctoringSession, LtiResourceLink,  # noqa: F401
                               LtiRosterImport, LtiSittingLink, LtiToolKey, LtiUsedNonce, LtiUserLink)
