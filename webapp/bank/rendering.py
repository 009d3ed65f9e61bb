"""How a stored question's text is shown: the one place that turns FITB placeholders into inputs."""
from flask_babel import gettext as _
from markupsafe import Markup, escape

from webapp.bank.services import BLANK


def blank_boxes(stem: str, name_prefix: str | None = None, disabled: bool = True) -> Markup:
    """A fill-in-the-blanks text with each [[n]] as a text box named `<name_prefix>-<n>`. The stem was
    sanitised when it was saved, which is what makes it safe to mark up here."""
    def box(match) -> str:
        name = f' name="{name_prefix}-{match[1]}"' if name_prefix else ""
        label = escape(_("Blank %(number)s", number=match[1]))
        return f'<input type="text" class="blank"{name} aria-label="{label}"{" disabled" if disabled else ""}>'

    return Markup(BLANK.sub(box, stem))
