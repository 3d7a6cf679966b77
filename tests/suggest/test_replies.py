"""Reading the customer's own words out of an e-mail-like ticket body (suggest.replies.latest_reply)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suggest.replies import MAX_READ_CHARS, latest_reply
from tests.fixtures.fast import examples

QUESTION = "My invoice for March shows the old price."


@pytest.mark.parametrize(
    "quote",
    [
        "On Tue, 3 Mar 2026 at 10:00, Dana Smith <dana@example.com> wrote:\n> Did you try a new card?\n> Agent",
        "On Tue, 3 Mar 2026 at 10:00, Dana Smith <\ndana@example.com> wrote:\n> Did you try a new card?",
        "-----Original Message-----\nFrom: Support <help@example.com>\nSent: Tuesday, March 3, 2026 10:00 AM\n"
        "To: Dana <dana@example.com>\nSubject: RE: invoice\n\nDid you try a new card?",
        "________________________________\nFrom: Support <help@example.com>\nSent: Tuesday, March 3, 2026\n"
        "To: Dana <dana@example.com>\nSubject: RE: invoice\n\nDid you try a new card?",
        "Em seg., 3 de mar. de 2026 às 10:00, Fulano <f@x.com> escreveu:\n> Você tentou outro cartão?",
        "De: Suporte <ajuda@example.com>\nEnviada em: segunda-feira, 3 de março de 2026 10:00\nPara: Fulano\n"
        "Assunto: RE: fatura\n\nVocê tentou outro cartão?",
        "-----Mensagem original-----\nDe: Suporte\nEnviado: segunda-feira\nPara: Fulano\nAssunto: fatura\n\nOlá",
    ],
    ids=["gmail", "gmail-wrapped", "outlook-original", "outlook-underscores", "gmail-pt", "outlook-pt", "original-pt"],
)
def test_quoted_reply_is_dropped(quote):
    assert latest_reply(f"{QUESTION}\n\n{quote}") == QUESTION


def test_interleaved_quoted_lines_are_dropped():
    text = "The export is empty.\n> Which format?\nCSV, from the reports page.\n> Since when?\nSince Monday."
    assert latest_reply(text) == "The export is empty. CSV, from the reports page. Since Monday."


def test_inline_answers_under_a_quote_header_are_the_reply():
    text = "On Tue, Agent <a@example.com> wrote:\n> Did you restart?\nYes, still broken.\n> Browser?\nFirefox 120."
    assert latest_reply(text) == "Yes, still broken. Firefox 120."


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nDana Smith\nAcme Inc",
        "Sent from my iPhone",
        "Get Outlook for Android",
        "Best regards,\nDana Smith\nAcme Inc\n+1 555 0100",
        "Thanks in advance!\nDana Smith\nHead of Finance, Acme Inc.\n+1 (555) 010-0100",
        "Kind regards,\nDana",
        "Cheers, Dana",
        "Obrigado,\nFulano de Tal\nEmpresa Ltda.\n(11) 99999-9999",
        "Atenciosamente,\nJoão\n\nEnviado do meu iPhone",
        "Abraços!",
    ],
)
def test_signature_and_sign_off_are_dropped(signature):
    assert latest_reply(f"{QUESTION}\n\n{signature}") == QUESTION


@pytest.mark.parametrize(
    "greeting",
    [
        "Hi team,",
        "Hello,",
        "Hey there!",
        "Dear support,",
        "Dear Sir or Madam,",
        "Good morning,",
        "Hi Dana, hope you're well.",
        "Olá,",
        "Olá, pessoal! Tudo bem?",
        "Oi,",
        "Bom dia,",
        "Boa tarde equipe,",
        "Prezados,",
    ],
)
def test_leading_greeting_is_dropped(greeting):
    assert latest_reply(f"{greeting}\n\n{QUESTION}") == QUESTION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Hi team, {QUESTION}", QUESTION),
        (f"Bom dia! {QUESTION}", QUESTION),
        (f"{QUESTION} Thanks in advance!", QUESTION),
        (f"{QUESTION} Obrigado pela ajuda.", QUESTION),
    ],
)
def test_greeting_and_thanks_sentences_on_the_question_line_are_dropped(text, expected):
    assert latest_reply(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Thanks to the new plan, my invoices are wrong.",
        "Hello world example crashes on start",
        "Best practices page is missing.",
        "Warning: the email I got says error 500.",
        "Steps:\n- open settings\n- click save\nIt fails.",
        "Take a look at the screenshot, the page is blank.",
        "Quero transferir\nDe: conta corrente\nPara: poupança\nO botão não funciona.",
    ],
)
def test_content_that_looks_like_a_greeting_sign_off_or_header_is_kept(text):
    assert latest_reply(text) == " ".join(text.split())


def test_portuguese_email():
    text = (
        "Olá, boa tarde!\n\nNão consigo emitir a segunda via do boleto.\nAparece erro 500.\n\nAtenciosamente,\n"
        "Fulano\n\nEnviado do meu iPhone\n\n"
        "Em seg., 3 de mar. de 2026 às 10:00, Suporte <ajuda@example.com> escreveu:\n> Olá Fulano,\n> Tente de novo."
    )
    assert latest_reply(text) == "Não consigo emitir a segunda via do boleto. Aparece erro 500."


def test_disclaimer_after_the_reply_is_dropped():
    disclaimer = "CONFIDENTIALITY: This email and any attachments are confidential and meant for the addressee only."
    assert latest_reply(f"{QUESTION}\n\n{disclaimer}") == QUESTION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!", "Thanks!"),
        ("Hi team,\n\nThanks in advance!", "Hi team, Thanks in advance!"),
        ("On Tue, Dana <d@example.com> wrote:\n> only a quote", "On Tue, Dana <d@example.com> wrote: > only a quote"),
        ("> only\n> quoted lines", "> only > quoted lines"),
    ],
)
def test_nothing_left_falls_back_to_the_text(text, expected):
    assert latest_reply(text) == expected


@pytest.mark.parametrize("text", ["", "   \n\t\n", "\x00\x07"])
def test_no_content_gives_empty(text):
    assert latest_reply(text) == ""


def test_crlf_line_endings():
    text = "Hi,\r\n\r\nMy export fails.\r\n\r\nThanks,\r\nDana\r\n\r\nOn Tue, Agent <a@example.com> wrote:\r\n> Hi"
    assert latest_reply(text) == "My export fails."


def test_html_body_is_read_as_text():
    text = "<p>Hi team,</p><p>My invoice is wrong &amp; late.</p><div>On Tue, Dana wrote:<br><blockquote>x</blockquote>"
    assert latest_reply(text) == "My invoice is wrong & late."


def test_control_characters_are_dropped():
    assert latest_reply("My\x00 export\u200b fails\x1b.\nIt is empty.") == "My export fails. It is empty."


@pytest.mark.parametrize(
    "text",
    [
        "word " * 4000,
        "On " * 7000,
        "\n" * 20000 + QUESTION,
        ("The export fails on the reports page. " * 40 + "\n") * 13,
        "> " * 10000,
        "On Tue, Dana wrote:\n" * 1000,
    ],
    ids=["words", "on-on-on", "newlines", "paragraphs", "quote-marks", "headers"],
)
def test_long_input_is_read_up_to_the_bound(text):
    reply = latest_reply(text)
    assert reply
    assert len(reply) <= MAX_READ_CHARS * 1.1


def test_long_reply_keeps_its_head_and_drops_its_quote():
    body = "The export fails on the reports page. " * 100
    assert latest_reply(f"{body}\n\nOn Tue, Dana <d@example.com> wrote:\n> old") == body.strip()


@given(st.text(max_size=3000))
@settings(max_examples=examples(200), deadline=None)
def test_any_text_gives_one_line_and_text_with_words_gives_words(text):
    reply = latest_reply(text)
    assert reply == " ".join(reply.split())
    if any(ch.isalnum() for ch in text) and "<" not in text:  # (a text of only HTML tags has no words)
        assert reply
