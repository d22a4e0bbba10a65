"""The redactor: what it finds, what it leaves, and that redacted code still parses."""

from __future__ import annotations

import ast
import io
import json
import logging

from counterpoint.config import Settings
from counterpoint.core.secrets import Redactor, SecretFilter

# Made up to match the detectors' shapes; none of them is a real credential.
AWS_ID = "AKIAZ7Q3XK4PLM2WN8RT"
AWS_SECRET = "q9Zr4Tn2Wx8Lm5Vb7Kc1Hj3Gf6Ds0Ap2Yu4Ei8Ow"
GITHUB = "ghp_Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6J3k8"
SLACK = "xoxb-2048123456-4096123456789-Zx8Cv7Bn6Mq5Wr4Et3Yu2Ip"
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
GOOGLE = "AIzaSyD3mQ8xV2kL9pR7tW4nB6cF1hJ5gZ0aE-s"
ANTHROPIC = "sk-ant-api03-madeUpForTests0123456789abcdefghij"
RSA_BODY = "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0Z5eQW8fzKbqSDW5wZ1Zc+ABC"
SSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
CREDENTIAL = "cred-value-from-the-environment-42"

SOURCE = f'''
import os

AWS_ACCESS_KEY_ID = "{AWS_ID}"
aws_secret_access_key = "{AWS_SECRET}"
TOKENS = {{"github": "{GITHUB}", "slack": '{SLACK}'}}
STRIPE = "{STRIPE}"
GOOGLE = "{GOOGLE}"
ANTHROPIC = "{ANTHROPIC}"
DSN = "postgres://app:hunter2@db.internal/app"
password = "correct-horse-battery"
CREDENTIAL = "{CREDENTIAL}"
RSA = """-----BEGIN RSA PRIVATE KEY-----
{RSA_BODY}
-----END RSA PRIVATE KEY-----
"""
SSH = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\\n"
    "{SSH_BODY}\\n"
    "-----END OPENSSH PRIVATE KEY-----\\n"
)


def connect(pwd, password=None):
    again = "{GITHUB}"
    return os.environ.get("PASSWORD", pwd), again
'''
PLANTED = (AWS_ID, AWS_SECRET, GITHUB, SLACK, STRIPE, GOOGLE, ANTHROPIC, RSA_BODY, SSH_BODY)


def test_every_kind_is_replaced_and_counted():
    redactor = Redactor([CREDENTIAL])
    redacted = redactor.redact(SOURCE)
    for secret in (*PLANTED, CREDENTIAL, "hunter2", "correct-horse-battery", "BEGIN RSA"):
        assert secret not in redacted
    assert redactor.counts == {
        "anthropic-key": 1,
        "aws-access-key": 1,
        "aws-secret-key": 1,
        "basic-auth": 1,
        "environment": 1,
        "github-token": 1,
        "google-api-key": 1,
        "keyword": 1,
        "private-key": 2,
        "slack-token": 1,
        "stripe-key": 1,
    }
    assert redactor.total == 12


def test_redacted_code_still_parses_and_strings_stay_strings():
    redacted = Redactor([CREDENTIAL]).redact(SOURCE)
    tree = ast.parse(redacted)
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert constants["AWS_ACCESS_KEY_ID"] == "REDACTED-aws-access-key-1"
    assert constants["TOKENS"] == {
        "github": "REDACTED-github-token-1",
        "slack": "REDACTED-slack-token-1",
    }
    assert constants["DSN"] == "postgres://app:REDACTED-basic-auth-1@db.internal/app"
    assert constants["RSA"] == "REDACTED-private-key-1\n"
    assert constants["SSH"] == "REDACTED-private-key-2\n"
    # Only the secret went: the ordinary code around it is untouched.
    assert "def connect(pwd, password=None):" in redacted
    assert 'os.environ.get("PASSWORD", pwd)' in redacted


def test_one_value_keeps_one_placeholder_across_a_request():
    redactor = Redactor()
    prompt = redactor.redact(f'TOKEN = "{GITHUB}"\nOTHER = "{SLACK}"\n')
    output = redactor.redact(f"AssertionError: expected {GITHUB}")
    assert 'TOKEN = "REDACTED-github-token-1"' in prompt
    assert output == "AssertionError: expected REDACTED-github-token-1"
    assert redactor.counts == {"github-token": 1, "slack-token": 1}
    # Redacting redacted text changes nothing and counts nothing new.
    assert redactor.redact(prompt) == prompt
    assert redactor.total == 2


def test_a_short_password_is_replaced_only_where_it_stands():
    redacted = Redactor().redact(
        'url = "mysql://root:pw@localhost/db"  # pwd is not the password\n'
    )
    assert (
        redacted
        == 'url = "mysql://root:REDACTED-basic-auth-1@localhost/db"  # pwd is not the password\n'
    )


def test_ordinary_code_is_left_alone():
    code = (
        "def login(user, password):\n"
        "    secret = load_secret(user)\n"
        '    digest = hashlib.sha256(b"abc").hexdigest()\n'
        '    uuid = "123e4567-e89b-12d3-a456-426614174000"\n'
        '    return check(password, secret, template="${PASSWORD}")\n'
    )
    redactor = Redactor()
    assert redactor.redact(code) == code
    assert redactor.counts == {}


def test_an_unterminated_private_key_is_still_removed():
    pasted = f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{RSA_BODY}\n{RSA_BODY}\n"""\n'
    redacted = Redactor().redact(pasted)
    assert RSA_BODY not in redacted
    ast.parse(redacted)


def test_two_keys_escaped_on_one_line_are_both_removed():
    one_line = (
        '{"a": "-----BEGIN RSA PRIVATE KEY-----\\n'
        + RSA_BODY
        + '\\n-----END RSA PRIVATE KEY-----", '
        '"b": "-----BEGIN OPENSSH PRIVATE KEY-----\\n'
        + SSH_BODY
        + '\\n-----END OPENSSH PRIVATE KEY-----"}'
    )
    redactor = Redactor(filename="keys.json")
    redacted = redactor.redact(one_line)
    assert json.loads(redacted) == {"a": "REDACTED-private-key-1", "b": "REDACTED-private-key-2"}
    assert redactor.counts == {"private-key": 2}


def test_credential_variables_count_as_secrets():
    env = {"MY_CREDENTIAL": CREDENTIAL, "HOME": "/home/someone-long", "GH_TOKEN": GITHUB}
    assert sorted(Settings().secrets(env)) == sorted([CREDENTIAL, GITHUB])


def test_log_records_are_redacted_with_their_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter([CREDENTIAL]))
    log = logging.getLogger("counterpoint.test_secret_filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling with %s and %s", GITHUB, CREDENTIAL)
        try:
            raise ValueError(f"bad token {SLACK}")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "calling with REDACTED-github-token-1 and REDACTED-environment-1" in written
    assert "ValueError: bad token REDACTED-slack-token-1" in written
    assert GITHUB not in written and CREDENTIAL not in written and SLACK not in written


def test_a_truncated_key_in_string_pieces_still_parses():
    pasted = (
        "KEY = (\n"
        '    "-----BEGIN RSA PRIVATE KEY-----\\n"\n'
        f'    "{RSA_BODY}\\n"\n'
        f'    "{RSA_BODY[::-1]}\\n")\n'
        "x = 1\n"
    )
    redactor = Redactor()
    redacted = redactor.redact(pasted)
    assert RSA_BODY not in redacted and RSA_BODY[::-1] not in redacted
    tree = ast.parse(redacted)
    assert ast.literal_eval(tree.body[0].value) == "REDACTED-private-key-1\n\n\n"  # type: ignore[attr-defined]
    assert redactor.counts == {"private-key": 1}
