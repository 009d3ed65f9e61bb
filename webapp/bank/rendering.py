"""How a stored question's text is shown: the one place that turns FITB placeholders into inputs."""
from markupsafe import Markup

from webapp.bank.services import BLANK


def blank_boxes(stem: str, name_prefix: str | None = None, disabled: bool = True) -> Markup:
    """A fill-in-the-blanks text with each [[n]] as a text box named `<name_prefix>-<n>`. The stem was
    sanitised when it was saved, which is what makes it safe to mark up here."""
    def box(match) -> str:
        name = f' name="{name_prefix}-{match[1]}"' if name_prefix else ""
        return (f'<input type="text" class="blank"{name} aria-label="Blank {match[1]}"'
                f'{" disabled" if disabled else ""}>')

    return Markup(BLANK.sub(box, stem))
