"""Every word people read is marked for translation, so the catalogs can carry it (CONTRACT §8).

Two readings of the code, no database:
- templates: the text between tags, and the attributes people read (title, placeholder,
  aria-label, alt), outside `{% translate %}`, `{% blocktranslate %}`, variables and comments;
- Python: the sentence a refusal carries (every `ApplicationError` and `ValidationError`, its
  `errors={...}` lists), a page's flash (`messages.*`), `add_error`, and a form field's `label`.

A bare English word found there fails with its file and line. Technical names that read the
same in every language (CSV, SHA-256, pain.001, an example value in a placeholder) are allowed
below, each for its reason; anything else is marked and translated (`make messages`)."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[A-Za-z]{2,}")
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}

# the same in every language: file formats, hashes, protocols, a bank code, a shell command
TECHNICAL = {
    "CSV", "PDF", "SHA-256", "sha256", "HTTP", "BIC", "IBAN", "pain.001",
    "manage.py verify_evidence_pack FILE", "Swagger", "Spendgate",
}  # fmt: skip
# a developer's page, not a product page: the design system's gallery of components
DEVELOPER_PAGES = {"templates/dev/components.html"}
EXAMPLE_VALUE = re.compile(r"[0-9@]")  # a placeholder showing an example: REQ-000001, x@y.z
# calls whose first argument is a code, not a sentence (the sentence is looked up from it)
CODE_ARGUMENT = {"SsoRefused", "UnsupportedProfile"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            example = name == "placeholder" and EXAMPLE_VALUE.search(value or "")
            if name in READ_ATTRIBUTES and value and WORD.search(value) and not example:
                self.found.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and WORD.search(data):
            self.found.append(" ".join(data.split()))


def bare_text(source: str) -> list[str]:
    """The words of a template people read that no translation tag carries."""
    kept: list[str] = []
    translating = commenting = 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            translating += {"blocktranslate": 1, "endblocktranslate": -1}.get(name, 0)
            commenting += {"comment": 1, "endcomment": -1}.get(name, 0)
            kept.append(" ")
        elif token.token_type == TokenType.TEXT and not translating and not commenting:
            kept.append(token.contents)
        elif token.token_type != TokenType.COMMENT:
            kept.append(" ")  # a variable or tag: a value, not a word of ours
    reader = _Visible()
    reader.feed("".join(kept))
    return [text for text in reader.found if WORD.search(_without_technical_names(text))]


def _without_technical_names(text: str) -> str:
    for name in sorted(TECHNICAL, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def templates() -> list[Path]:
    roots = [ROOT / "templates", *sorted((ROOT / "apps").glob("*/templates"))]
    return [path for root in roots for path in sorted(root.rglob("*.html"))]


def test_templates_mark_every_word_people_read() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {text!r}"
        for path in templates()
        if str(path.relative_to(ROOT)) not in DEVELOPER_PAGES
        for text in bare_text(path.read_text(encoding="utf-8"))
    ]
    assert not found, "words people read that no {% translate %} carries:\n" + "\n".join(found)


def test_the_template_reading_finds_a_bare_word() -> None:
    """The reading itself: bare words are found, translated and technical ones are not."""
    source = (
        '{% load i18n %}<h1>Invoices</h1><p title="Open it">{% translate "Paid" %} {{ x }}</p>'
        "{% blocktranslate %}Due {{ d }}{% endblocktranslate %}{# a note #}"
        "{% comment %}Why this is so{% endcomment %}<td>CSV</td>"
        '<input placeholder="REQ-000001"><script>var Words = 1;</script>'
    )
    assert bare_text(source) == ["Invoices", "Open it"]


def _error_names(trees: dict[Path, ast.Module]) -> set[str]:
    """`ApplicationError`, Django's and DRF's `ValidationError`, and every subclass of them."""
    names = {"ApplicationError", "ValidationError"}
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(_name(base) in names for base in node.bases)
                ):
                    names.add(node.name)
                    grown = True
    return names


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _words(node: ast.expr) -> str | None:
    """A string literal's (or an f-string's literal parts') text, if it holds words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return None
    return text if re.search(r"[A-Za-z]{3,}", _without_technical_names(text)) else None


SENTENCE_FIELDS = ("detail", "message", "summary")


def _sentence_fields(trees: dict[Path, ast.Module]) -> dict[str, set[int | str]]:
    """Records that carry a sentence people read (a finding's `detail`, a check's
    `message`): by class name, the positions and names that hold it."""
    found: dict[str, set[int | str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            fields = [
                item.target.id
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            ]
            for position, field in enumerate(fields):
                if field in SENTENCE_FIELDS:
                    found.setdefault(node.name, set()).update({position, field})
    return found


def _sentences(
    call: ast.Call, errors: set[str], records: dict[str, set[int | str]] | None = None
) -> list[ast.expr]:
    """The arguments of a call that people read as a sentence."""
    name = _name(call.func)
    said: list[ast.expr] = [k.value for k in call.keywords if k.arg in ("label", "empty_label")]
    for place in (records or {}).get(name, set()):
        if isinstance(place, int):
            said += call.args[place : place + 1]
        else:
            said += [k.value for k in call.keywords if k.arg == place]
    if name in errors and name not in CODE_ARGUMENT:
        said += call.args[:1] + [k.value for k in call.keywords if k.arg in ("detail", "message")]
        for keyword in call.keywords:
            if keyword.arg == "errors" and isinstance(keyword.value, ast.Dict):
                for value in keyword.value.values:
                    lists = isinstance(value, (ast.List, ast.Tuple))
                    said += list(value.elts) if lists else [value]
    is_flash = isinstance(call.func, ast.Attribute) and _name(call.func.value) == "messages"
    if is_flash or name == "add_error":
        said += call.args[1:2]
    return said


def test_python_marks_every_sentence_people_read() -> None:
    sources = [p for p in sorted((ROOT / "apps").rglob("*.py")) if "migrations" not in p.parts]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sources}
    errors = _error_names(trees)
    records = _sentence_fields(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for argument in _sentences(node, errors, records):
                    text = _words(argument)
                    # `where: problem`, a document's element path before a translated sentence
                    if text and not re.fullmatch(r"[/@\w]*: ", text):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    assert not found, "sentences people read that no gettext carries:\n" + "\n".join(found)


def test_the_python_reading_finds_a_bare_sentence() -> None:
    tree = ast.parse(
        "raise NotFound('No such thing.')\n"
        "raise NotFound(_('Marked.'))\n"
        "raise ValidationFailed(errors={'to': ['No such user.']})\n"
        "messages.error(request, f'Refused {x}.')\n"
        "x = forms.CharField(label='Name')\n"
        "raise SsoRefused('state')\n"
        "found = Finding('price_variance', 1, 'Line 1 is over.')\n"
        "found = Finding('price_variance', 1, detail=_('Marked.'))\n"
    )
    errors = _error_names({Path("x.py"): ast.parse("class NotFound(ApplicationError): ...")})
    errors |= {"ValidationFailed", "SsoRefused"}
    records = _sentence_fields(
        {Path("y.py"): ast.parse("class Finding:\n    code: str\n    line: int\n    detail: str\n")}
    )
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    said = [_words(a) for call in calls for a in _sentences(call, errors, records)]
    assert [s for s in said if s] == [
        "No such thing.", "No such user.", "Refused .", "Name", "Line 1 is over."
    ]  # fmt: skip


# the names makemessages (xgettext with Django's keywords) extracts strings from
EXTRACTED = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
    "pgettext_lazy", "npgettext", "npgettext_lazy",
}  # fmt: skip


def test_translation_functions_keep_names_makemessages_reads() -> None:
    """`gettext_lazy as _lazy` marks nothing: makemessages does not know `_lazy`, so its
    strings never reach a catalog and stay English for every reader."""
    found = []
    for path in sorted((ROOT / "apps").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    if alias.asname and alias.asname not in EXTRACTED:
                        found.append(f"{path.relative_to(ROOT)}: {alias.name} as {alias.asname}")
    assert not found, "translation functions under names makemessages skips:\n" + "\n".join(found)
