"""Credentials are masked wherever medqa writes or logs text; ordinary report text is left alone."""

import json
import logging
import urllib.parse

import pytest

from medqa.core.redact import mask_secrets, redact, redact_url, register_secret


@pytest.mark.parametrize("text,expected", [
    ("http://alice:pa55@10.0.0.5:8000/v1?api-key=sk-inurl-999&api-version=2024",
     "http://***@10.0.0.5:8000/v1?api-key=***&api-version=2024"),
    ('{"error": {"message": "Incorrect API key provided: Bearer sk-proj-abcdef123456"}}',
     '{"error": {"message": "Incorrect API key provided: Bearer ***"}}'),
    ("Authorization: Basic YWxpY2U6cGE1NQ==", "Authorization: Basic ***"),
    ('{"api_key": "abc123xyz"}', '{"api_key": "***"}'),
    ("token hf_abcdefghijklmnopqrst leaked", "token *** leaked"),
    ("No pneumothorax. Basic metabolic panel normal. Bearing in mind the token budget.",
     "No pneumothorax. Basic metabolic panel normal. Bearing in mind the token budget."),
])
def test_secrets_are_masked_and_report_text_is_not(text, expected):
    assert redact(text) == expected


def test_a_known_secret_is_masked_wherever_it_appears():
    assert redact("the server said: key wrong-key-42 is not valid", ["wrong-key-42"]) == \
        "the server said: key *** is not valid"
    assert redact_url(None) is None and redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_a_registered_secret_is_masked_in_every_form_and_every_log_record(caplog):
    secret = "sk-reg-1234567890/abcd"
    register_secret(secret)
    escaped = "".join(f"\\u{ord(c):04x}" for c in secret)
    for text in (secret, escaped, json.dumps(secret), urllib.parse.quote(secret, safe=""), secret.upper()):
        assert mask_secrets(f"said {text}.") in ("said ***.", 'said "***".'), text
    assert redact("plain report text") == "plain report text"
    caplog.set_level(logging.INFO, logger="some.library")
    logging.getLogger("some.library").info("body: %s", escaped)  # nobody called redact() on this one
    assert "\\u0073" not in caplog.text and "body: ***" in caplog.text
