"""Whatever a file holds, the Moodle XML and GIFT readers answer with drafts and problems, never an exception."""
from hypothesis import given, settings, strategies as st

from webapp.bank.formats import gift, moodle_xml

GIFT_PIECES = st.sampled_from(["{", "}", "=", "~", "#", "####", "->", "::", "%50%", "%-100%", "\\", "\\n", "\n", "\n\n",
                               "[html]", "[markdown]", "$CATEGORY:", "//", "T", "#1..5", ":", "..", "a", " ", "1e999999999"])
VALUES = st.sampled_from(["", "x", "1", "-1", "100", "50", "nan", "-inf", "1e999999999", "0", "*", "a*b", "\\*",
                          "{1:MULTICHOICE:=a~b}", "{2:NUMERICAL:=1e999999999:x}", "{1:SHORTANSWER:%50%a~*}",
                          "{1:MULTIRESPONSE:=a~=b}", "[[0]]", "[[1]]", "[[99]]", "@@PLUGINFILE@@/x.png", "&amp;"])
EXTRAS = st.sampled_from([
    "<units><unit><multiplier>0</multiplier><unit_name>m</unit_name></unit></units>",
    "<units><unit><multiplier>1e-400</multiplier><unit_name>m</unit_name></unit></units>",
    "<selectoption><text>x</text><group>1</group></selectoption>", "<dragbox><text>y</text></dragbox>",
    "<subquestion><text>p</text><answer><text>t</text></answer></subquestion>", "<subquestion><text/></subquestion>",
    "<single>true</single>", "<usecase>1</usecase>", "<defaultgrade>-inf</defaultgrade>", "<unitgradingtype>2</unitgradingtype>",
    "<responseformat>noinline</responseformat><attachments>-1</attachments><maxbytes>1e99</maxbytes>",
    "<file name='x.png' encoding='base64'>AAAA</file>", "<file encoding='base64'>@@</file>", "<gradingtype>0</gradingtype>",
    "<tags><tag><text>proctora-all-or-nothing</text></tag></tags>"])
TYPES = st.sampled_from(["multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "cloze",
                         "gapselect", "ddwtos", "ordering", "description", "category", "random", ""])
ANSWER = st.builds("<answer fraction='{}' format='{}'><text>{}</text><tolerance>{}</tolerance></answer>".format,
                   VALUES, st.sampled_from(["html", "markdown", "plain_text", "moodle_auto_format", "x"]), VALUES, VALUES)
QUESTION = st.builds(lambda kind, text, answers, extras: (
    f"<question type='{kind}'><name><text>{text}</text></name><category><text>{text}</text></category>"
    f"<questiontext format='html'><text>{text}</text></questiontext>{''.join(answers)}{''.join(extras)}</question>"),
    TYPES, st.lists(VALUES, max_size=4).map(" ".join), st.lists(ANSWER, max_size=5), st.lists(EXTRAS, max_size=4))


@settings(max_examples=150, deadline=None)
@given(st.lists(GIFT_PIECES, max_size=40).map("".join))
def test_gift_never_raises(text):
    bank = gift.parse("fuzz.gift", text.encode())
    assert bank.items or bank.problems
    gift.detect("fuzz.gift", text.encode())


@settings(max_examples=150, deadline=None)
@given(st.lists(QUESTION, max_size=6).map("".join))
def test_moodle_xml_never_raises(body):
    bank = moodle_xml.parse("fuzz.xml", f"<quiz>{body}</quiz>".encode())
    # A problem refuses the whole file; otherwise every question but a category is an item, skipped or not.
    assert bank.problems or len(bank.items) == body.count("<question ") - body.count("type='category'")
