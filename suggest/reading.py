"""How the engine reads what a customer wrote: which kind of text it is, what is asked now, and what came before.

A text reaches the engine as one of four kinds, and each is read the way a good agent reads it:

- a *search*: a few words typed in a box ("reset password");
- a *question*: one or two sentences ("How do I reset my password?");
- a *ticket*: a subject and an e-mail-like body, whose question is in the subject and the first sentences
  (quoted replies, signatures and greetings are not the customer's question, and are dropped);
- a *conversation*: turns of a customer and an agent, as ``messages`` or as a ``User:`` / ``Agent:``
  transcript. The customer's latest turn carries the question; earlier turns carry its context (the product,
  the place or the error message named before); an agent's turns are context, never the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from suggest import replies

CUSTOMER = "customer"
AGENT = "agent"
ROLES = (CUSTOMER, AGENT)
# How a transcript's speakers are named, in the tools that hand chats over (chatbots, live chat, exports).
ROLE_NAMES = {
    "user": CUSTOMER,
    "customer": CUSTOMER,
    "client": CUSTOMER,
    "visitor": CUSTOMER,
    "guest": CUSTOMER,
    "me": CUSTOMER,
    "agent": AGENT,
    "support": AGENT,
    "assistant": AGENT,
    "bot": AGENT,
    "operator": AGENT,
    "staff": AGENT,
    "system": AGENT,
}
SEARCH = "search"
QUESTION = "question"
TICKET = "ticket"
CONVERSATION = "conversation"
KINDS = (SEARCH, QUESTION, TICKET, CONVERSATION)

SEARCH_WORDS = 6  # at most this many words, and no sentence, is a search
QUESTION_WORDS = 40  # at most this many words in one paragraph is a question
QUESTION_MIN_WORDS = 4  # a latest turn shorter than this ("ok thanks") borrows the customer's turn before it
TICKET_HEAD_CHARS = 300  # a ticket's question: its subject and first sentences, up to this many characters
MAX_TURNS = 50  # the latest turns read from a long conversation

_TRANSCRIPT_LINE = re.compile(r"^\s*([A-Za-z]{2,10})\s*:\s?(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Message:
    role: str  # CUSTOMER or AGENT
    text: str


@dataclass(frozen=True)
class Reading:
    """A customer's text as the engine ranks it."""

    kind: str
    question: str  # what the customer asks now
    turns: tuple[Message, ...] = field(default_factory=tuple)  # everything read, oldest first, cleaned
    text: str = ""  # the whole text read, cleaned, in one line

    @property
    def context(self) -> list[Message]:
        """The turns before the question, latest last: what the question may refer to."""
        return list(self.turns[:-1]) if self.kind == CONVERSATION else []


def parse_transcript(text: str) -> list[Message] | None:
    """The turns of a ``User: ...`` / ``Agent: ...`` transcript, or None when ``text`` is not one.

    A transcript starts with a speaker's name and has at least two named turns; a line without a name
    continues the turn before it. Names kb does not know ("Note:", "Error:") make it not a transcript."""
    turns: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _TRANSCRIPT_LINE.match(line)
        role = ROLE_NAMES.get(match.group(1).lower()) if match else None
        if role is not None and match is not None:
            turns.append((role, [match.group(2).strip()]))
        elif not turns:
            return None
        else:
            turns[-1][1].append(line.strip())
    if len(turns) < 2:
        return None
    return [Message(role, " ".join(lines).strip()) for role, lines in turns if " ".join(lines).strip()]


def read(text: str = "", *, messages: Sequence[Message] | None = None, subject: str = "") -> Reading:
    """Read a customer's text: ``messages`` (a conversation), or ``text`` with an optional ``subject`` (a ticket).

    ``text`` that is a transcript is read as a conversation. Without a subject, plain text is a search, a
    question or a ticket by its length and shape."""
    if messages:
        return _conversation(messages)
    turns = parse_transcript(text) if not subject else None
    if turns:
        return _conversation(turns)
    body = replies.latest_reply(text) if _looks_like_mail(text, subject) else _one_line(text)
    subject = _one_line(subject)
    whole = _one_line(f"{subject}\n{body}")
    if not whole:
        return Reading(SEARCH, "", (), "")
    if subject or _words(whole) > QUESTION_WORDS or "\n\n" in text.strip():
        return Reading(TICKET, _ticket_question(subject, body), (Message(CUSTOMER, whole),), whole)
    kind = SEARCH if _words(whole) <= SEARCH_WORDS and not re.search(r"[.?!]", whole) else QUESTION
    return Reading(kind, whole, (Message(CUSTOMER, whole),), whole)


def _conversation(messages: Sequence[Message]) -> Reading:
    turns = [Message(m.role, _one_line(m.text)) for m in messages[-MAX_TURNS:] if m.text and m.text.strip()]
    turns = [t for t in turns if t.text]
    customer = [i for i, t in enumerate(turns) if t.role == CUSTOMER]
    whole = " ".join(t.text for t in turns)
    if not customer:  # only the agent spoke: nothing is asked; the text is all the context there is
        return Reading(CONVERSATION, "", tuple(turns), whole)
    last = customer[-1]
    question = turns[last].text
    earlier = [i for i in customer if i < last]
    if _words(question) < QUESTION_MIN_WORDS and earlier:  # "ok and the price?" leans on the turn before
        question = f"{turns[earlier[-1]].text} {question}"
    if len(customer) == 1 and len(turns) == 1:
        single = read(question)
        return Reading(single.kind, single.question, single.turns, single.text)
    return Reading(CONVERSATION, question, tuple(turns[: last + 1]), whole)


def _ticket_question(subject: str, body: str) -> str:
    """The subject and the body's first sentences, where customers say what is wrong."""
    head = subject
    for sentence in _SENTENCE_END.split(body):
        if len(head) >= TICKET_HEAD_CHARS // 2:
            break
        head = f"{head} {sentence}".strip()
    return head[:TICKET_HEAD_CHARS]


def _looks_like_mail(text: str, subject: str) -> bool:
    return bool(subject) or "\n" in text.strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> int:
    return len(text.split())
