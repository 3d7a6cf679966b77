"""The customer's own words in an e-mail-like message: the latest reply, without what it quotes or signs off with.

This module owns reading a ticket body the way an agent does. :func:`latest_reply` drops, in this order:

1. what is not text: HTML tags, control characters, CRLF, runs of blank lines; and it reads only the first
   :data:`MAX_READ_CHARS` of what is left;
2. quoted replies: ``> `` lines, and everything from the first quote header on ("On ... wrote:",
   "-----Original Message-----", an Outlook "From: / Sent: / To: / Subject:" block, their Portuguese forms);
3. the signature ("-- ", "Sent from my iPhone", "Enviado do meu iPhone", "Best regards," and the lines under it)
   and a mail server's disclaimer;
4. leading greetings and pleasantries ("Hi team,", "Bom dia!", "Hope you're well.") and trailing thanks
   ("Thanks in advance!", "Obrigado,"): whole lines or sentences only, never words inside a sentence.

Quote headers, signatures and disclaimers are found by mail-parser-reply, for :data:`PARSER_LANGUAGES`; the library
has no Portuguese, so its Portuguese forms, greetings and thanks are this module's own.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass

from mailparser_reply import EmailMessage  # the library ships no py.typed

# Languages whose quote headers and signatures mail-parser-reply knows, used here. Left out, because their patterns
# match English or Portuguese text: "da" (its sign-offs "Tak" and "Kh" match a line starting "Take", "Khmer"), "sv"
# (its sign-off "/\w+" matches a line starting with a path), "pl" (one "Data:" or "Do:" line is a quote header) and
# "es" (two lines "De: conta corrente" / "Para: poupança" are an Outlook header); and "ja", "ko", "zh", which
# each cost twice another language, for text this help desk rarely gets.
PARSER_LANGUAGES = ("en", "fr", "de", "it", "nl", "cs")
MAX_READ_CHARS = 6000  # a reply is read up to here: its head says what is wrong (and the parser stays fast)
WRAP_CHARS = 100  # longer lines are wrapped, as mail clients do: some parser patterns are quadratic in a line
SIGN_OFF_CHARS = 40  # a signature the parser found starts with a line this short ("Thanks, that fixed..." is text)
SIGNATURE_LINES = 6  # a sign-off ("Thanks!") may be followed by this many short lines: name, company, phone
SIGNATURE_LINE_CHARS = 60

_HTML_BREAK = re.compile(r"<(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?blockquote)(?:\s[^<>]{0,500})?/?>", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:a|b|i|u|em|strong|span|font|small|sub|sup|html|head|body|meta|table|tbody|thead|td|th|ul|ol|img|hr"
    r"|center|o:p)(?:\s[^<>]{0,500})?/?>",
    re.IGNORECASE,
)
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")

# Portuguese quote headers (Gmail, Apple Mail, Outlook), which mail-parser-reply does not know.
_PT_QUOTE_HEADER = re.compile(
    r"^(?:(?:Em|No dia|A|Às) [^\n]{0,300}\n)?[^\n]{0,300}\bescreveu:$"
    r"|^-{2,} ?Mensagem (?:original|encaminhada) ?-{2,}$"
    r"|^\*?De\*?:.*\n(?:\*?(?:Enviad[oa](?: em)?|Para|Cc|Cco|Data)\*?:.*\n){1,5}\*?Assunto\*?:",
    re.IGNORECASE | re.MULTILINE,
)
_SENT_FROM = re.compile(
    r"^(?:Sent from (?:my|Outlook|Mail)|Get Outlook for|Enviado d[oe] (?:meu|Outlook|Email|Yahoo)"
    r"|Enviado a partir d[oe]|Enviado pelo|Obter o Outlook para|Baixe o Outlook para)\b.{0,80}$",
    re.IGNORECASE | re.MULTILINE,
)

_GREETING = (
    r"(?i:hi|hello|hey|hiya|greetings|dear|good (?:morning|afternoon|evening|day)|ol[aá]|oi|bom dia|boa tarde"
    r"|boa noite|prezad[oa]s?(?:\([oa]s?\))?|car[oa]s?|sauda[cç][oõ]es)"
)
# Whom a greeting names: a name, or a word for a group ("Hi team,", "Dear Sir or Madam,", "Olá pessoal,").
_ADDRESSEE = (
    r"(?:(?!I\b)[A-ZÀ-Þ][\w.'’-]*"
    r"|(?i:team|there|all|everyone|everybody|folks|guys|support|sir|madam|or|and|equipe|pessoal|todos|senhores"
    r"|suporte|time|gente|galera|amigos))"
)
_GREETING_START = re.compile(rf"^{_GREETING}(?:,? +{_ADDRESSEE}(?: +{_ADDRESSEE}){{0,2}})? *(?:[,!.:;]+|$)")
_PLEASANTRY_START = re.compile(
    r"^(?i:(?:i )?hope (?:you(?:'re|’re| are)(?: all)?(?: doing)? (?:well|good|fine)|all is well"
    r"|this (?:e-?mail|message) finds you well|you(?:'re|’re| are) having a (?:good|great|nice) (?:day|week))"
    r"|how are you(?: doing)?|tudo (?:bem|bom|certo)|como (?:vai|está|estão)(?: vocês?)?"
    r"|espero que (?:esteja|estejam)(?: todos?)? bem)(?: *[.!?,]+ *| *$)"
)
_THANKS = (
    r"(?:thanks|thank you|thx|many thanks|cheers|regards|best|best regards|kind regards|warm regards"
    r"|warmest regards|best wishes|all the best|sincerely|yours sincerely|yours truly|respectfully|talk soon"
    r"|have a (?:nice|good|great) (?:day|week)|obrigad[oa]|muito obrigad[oa]|obg|grat[oa]|agradeço|desde já"
    r"|atenciosamente|att|atte|cordialmente|abraços?|um abraço|abs|saudações|beijos|bjs|fico no aguardo"
    r"|no aguardo|aguardo (?:o )?(?:seu )?(?:retorno|resposta|contato))"
    r"(?: (?:so|very) much| a lot| again| all| antecipadamente| desde já| de antemão"
    r"| (?:in advance|for (?:your|the|any|all (?:your|the)) (?:help|time|support|assistance|patience|attention)"
    r"|pela (?:ajuda|atenção|atencao|paciência)|pelo (?:retorno|apoio|suporte)|a atenção))*"
)
_NAME = r"[A-ZÀ-Þ][\w.'’-]*(?: [A-ZÀ-Þ][\w.'’-]*){0,3}"
_THANKS_LINE = re.compile(rf"^(?i:{_THANKS})[ ,!.:;-]*(?:{_NAME}[ .!]*)?$")
_THANKS_SENTENCE = re.compile(rf"(?:^|(?<=[.!?] ))(?i:{_THANKS})[ ,]*[!.]*$")
_COMPANY_END = re.compile(r"\b(?:inc|ltd|ltda|s\.a|s/a|co|corp|llc|jr|sr|me|eireli|gmbh|plc)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class _Reply:
    """A reply as mail-parser-reply reads it: its text (without the quote header) and what it found in it."""

    content: str
    signature: str
    disclaimers: tuple[str, ...]


def latest_reply(text: str) -> str:
    """The customer's own words in ``text``, an e-mail-like body, in one line; "" only when ``text`` has none.

    When cleaning leaves nothing (the message was only "Thanks!", or only a quote), the reply with its greetings
    and signature is returned, and failing that the whole text as read (plain, bounded)."""
    message = _normalize(text)
    reply = _reply_above_quotes(message)
    words = _drop_pleasantries(_drop_sign_off(_drop_disclaimers(_drop_signature(reply), reply.disclaimers)))
    for candidate in (words, reply.content, message):
        collapsed = " ".join(candidate.split())
        if collapsed:
            return collapsed
    return ""


def _normalize(text: str) -> str:
    """``text`` as the parser reads it: plain lines, stripped, one blank line at most, bounded and wrapped."""
    text = text.lstrip()[: MAX_READ_CHARS * 4]  # room for markup and blank lines, which normalizing drops
    if _HTML_BREAK.search(text):
        text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))
    lines = (" ".join(line.split()) for line in _INVISIBLE.sub("", text).splitlines())
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines).strip())[:MAX_READ_CHARS]
    return "\n".join(map(_wrap, text.split("\n")))


def _wrap(line: str) -> str:
    """``line`` in lines of at most :data:`WRAP_CHARS` characters."""
    if len(line) <= WRAP_CHARS:
        return line
    return "\n".join(textwrap.wrap(line, WRAP_CHARS, break_on_hyphens=False))


def _reply_above_quotes(message: str) -> _Reply:
    """The latest reply: the text above the first quote header, without ``> `` lines.

    A message that starts with a quote header was answered inline: its reply is the unquoted lines under it."""
    unquoted = "\n".join(line for line in message.split("\n") if not line.startswith(">"))
    parts = _PT_QUOTE_HEADER.split(unquoted, maxsplit=2)
    above = parts[1] if len(parts) > 1 and not parts[0].strip() else parts[0]
    parsed = EmailMessage(text=above, languages=list(PARSER_LANGUAGES), keep_hyphen_lists=True).read()
    first = parsed.replies[0]
    content = first.content.replace(first.headers, "", 1).strip() if first.headers else first.content
    return _Reply(content, first.signatures, tuple(first.disclaimers))


def _drop_signature(reply: _Reply) -> str:
    """The reply without its signature: the parser's (when it starts with a short line) or a "Sent from" line on."""
    content = reply.content
    first_line = reply.signature.split("\n", 1)[0]
    if reply.signature and len(first_line) <= SIGN_OFF_CHARS and content.endswith(reply.signature):
        content = content[: -len(reply.signature)]
    sent_from = _SENT_FROM.search(content)
    return content[: sent_from.start()] if sent_from else content


def _drop_disclaimers(content: str, disclaimers: tuple[str, ...]) -> str:
    """``content`` without the disclaimer paragraphs the parser found, but never its first paragraph: a customer's
    "Warning: the e-mail I got says..." reads like a disclaimer to the parser."""
    for disclaimer in disclaimers:
        start = content.find(disclaimer)
        if disclaimer and start > 0 and "\n\n" in content[:start]:
            end = content.find("\n\n", start)
            content = content[:start] + (content[end:] if end >= 0 else "")
    return content


def _drop_sign_off(content: str) -> str:
    """``content`` without trailing thanks: a thanks line and the short lines under it (a name, a company, a
    phone), thanks lines at the end, and a thanks sentence ending the last line."""
    lines = [line for line in content.split("\n") if line.strip()]
    for start in range(max(0, len(lines) - SIGNATURE_LINES - 1), len(lines)):
        if _THANKS_LINE.match(lines[start]) and all(map(_is_signature_line, lines[start + 1 :])):
            lines = lines[:start]
            break
    while lines and _THANKS_LINE.match(lines[-1]):
        lines.pop()
    if lines:
        lines[-1] = _drop_trailing_thanks(lines[-1])
    return "\n".join(lines)


def _drop_trailing_thanks(line: str) -> str:
    """``line`` without the thanks sentences ending it ("It fails. Thanks in advance!" -> "It fails.")."""
    while (match := _THANKS_SENTENCE.search(line)) and match.start() > 0:
        line = line[: match.start()].rstrip()
    return line


def _is_signature_line(line: str) -> bool:
    """Whether ``line`` reads like a line of a signature block (a name, a title, a company, a phone), not text."""
    line = line.strip()
    if len(line) > SIGNATURE_LINE_CHARS or line.endswith(("?", "!", ":")):
        return False
    return not line.endswith(".") or bool(_COMPANY_END.search(line))


def _drop_pleasantries(content: str) -> str:
    """``content`` without the greetings and pleasantries it starts with ("Hi team,", "Bom dia!", "Tudo bem?")."""
    lines = [line for line in content.split("\n") if line.strip()]
    while lines:
        first = _drop_leading_pleasantry(lines[0])
        if first == lines[0]:
            break
        lines[0:1] = [first] if first else []
    return "\n".join(lines)


def _drop_leading_pleasantry(line: str) -> str:
    """``line`` without one greeting or pleasantry it starts with."""
    match = _GREETING_START.match(line) or _PLEASANTRY_START.match(line)
    return line[match.end() :].strip() if match else line
