"""What accounts announce to the floors above them. The audit log sits above accounts, so the staff,
institute and login services send `changed` with an audit entry's fields instead of writing the log
themselves; webapp/audit/services.py subscribes and writes it in the same transaction."""
from blinker import Namespace

changed = Namespace().signal("accounts.changed")
