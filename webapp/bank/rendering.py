"""How a stored question's text is shown: the one place that turns FITB placeholders into inputs."""
from flask_babel import gettext as _
from markupsafe import Markup, escape

from webapp.bank.services import BLANK


def blank_boxes(stem: str, name_prefix: str | None = None, disabled: bool = True, blanks: list | None = None) -> Markup:
    """A fill-in-the-blanks text with each [[n]] as a text box named `<name_prefix>-<n>`, or as a list to
    choose from when the n-th of `blanks` has `choices`. The stem was sanitised when it was saved, which is
    what makes it safe to mark up here; the choices are escaped."""
    blanks = blanks or []

    def box(match) -> str:
        number = int(match[1])
        name = f' name="{name_prefix}-{number}"' if name_prefix else ""
        label = escape(_("Blank %(number)s", number=number))
        off = " disabled" if disabled else ""
        choices = (blanks[number - 1].get("choices") or []) if number <= len(blanks) else []
        if not choices:
            return f'<input type="text" class="blank"{name} aria-label="{label}"{off}>'
        listed = "".join(f'<option value="{escape(choice)}">{escape(choice)}</option>' for choice in choices)
        return (f'<select class="blank"{name} aria-label="{label}"{off}>'
                f'<option value="">{escape(_("(choose)"))}</option>{listed}</select>')

    return Markup(BLANK.sub(box, stem))
