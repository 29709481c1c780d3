"""The hostile-input corpus of issue 16: what a tester (or a script) sends the server.

Every case has an ``id`` (``<surface>/<name>``) and says, written by hand from the rules
of livechat/README.md and web/README.md — never computed by the code under test — what
must happen:

* ``ok``: harmless but odd (an emoji, right-to-left text, a SQL fragment as text): the
  turn is recorded and answered like any other;
* an error code (``empty``, ``too_long``, ``malformed``, ``unknown_conversation``, …) or
  an HTTP 4xx status: refused with a Romanian message, nothing recorded;
* ``close_1007``: a websocket text frame that is not UTF-8 closes the socket.

Surfaces: the citizen websocket (``ws``), Rasa's REST webhook (``rest``), the clerks'
console API (``console``) and the auditors' archive API (``audit``).
"""

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

OK = "ok"

#: Texts a person could type or a script could send: (name, text, verdict at the door).
TEXTS: List[Tuple[str, str, str]] = [
    # Oversize and empty
    ("2001-chars", "a" * 2001, "too_long"),
    ("2000-chars", "a" * 2000, OK),
    ("2001-diacritics", "ș" * 2001, "too_long"),
    ("5000-emoji", "😀" * 5000, "too_long"),
    ("empty", "", "empty"),
    ("space", " ", "empty"),
    ("tabs-newlines", "\t\n\r\n", "empty"),
    ("zero-width-spaces", "\u200b\u200b\u200b", "empty"),
    ("direction-marks", "\u200e\u200f", "empty"),
    ("bom", "\ufeff", "empty"),
    ("word-joiner", "\u2060\u2060", "empty"),
    ("nbsp-ideographic", "\u00a0\u3000", "empty"),
    ("zwj-only", "\u200d", "empty"),
    ("mixed-invisible", " \u200b\u00a0\ufeff\u2060 ", "empty"),
    # Lone surrogates (half an emoji)
    ("lone-high", "\ud800", "malformed"),
    ("lone-low", "abc\udfff", "malformed"),
    ("reversed-pair", "\udc00\ud800", "malformed"),
    ("surrogate-in-text", "bună\ud83d ziua", "malformed"),
    # NUL and control characters
    ("nul", "a\x00b", "malformed"),
    ("nul-only", "\x00", "malformed"),
    ("bell", "ding\x07", "malformed"),
    ("escape-ansi", "\x1b[31mroșu\x1b[0m", "malformed"),
    ("delete", "abc\x7f", "malformed"),
    ("backspace", "abc\x08\x08", "malformed"),
    ("form-feed", "a\x0cb", "malformed"),
    ("vertical-tab", "a\x0bb", "malformed"),
    ("unit-separator", "a\x1fb", "malformed"),
    # Right-to-left and formatting characters around visible text
    ("rtl-override", "\u202ecod secret", OK),
    ("rtl-isolate", "abc\u2067def\u2069", OK),
    ("arabic", "مرحبا، أريد شهادة", OK),
    ("hebrew", "שלום", OK),
    ("zero-width-inside", "cer\u200btificat", OK),
    ("combining-marks", "a" + "\u0301" * 50, OK),
    ("zalgo", "z̷̢̛̯a̶̞͝l̸̡̛g̵̱̈o̷̬͐", OK),
    ("emoji", "😀👍🏽🇷🇴", OK),
    ("emoji-zwj-family", "👨‍👩‍👧‍👦", OK),
    ("math-letters", "𝕬𝖈𝖙𝖊 𝖓𝖊𝖈𝖊𝖘𝖆𝖗𝖊", OK),
    ("cedilla-letters", "ştampila şi ţara", OK),
    ("private-use", "\ue000\uf8ff", OK),
    ("noncharacter", "\ufffe\uffff", OK),
    ("replacement-char", "\ufffd\ufffd", OK),
    ("line-separator", "rând\u2028nou\u2029", OK),
    ("multiline", "rândul 1\nrândul 2\r\nrândul 3", OK),
    # XSS and template injection
    ("script-tag", "<script>alert(1)</script>", OK),
    ("img-onerror", '<img src=x onerror="alert(document.cookie)">', OK),
    ("svg-onload", '"><svg onload=alert(1)>', OK),
    ("javascript-url", "javascript:alert(1)", OK),
    ("data-url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", OK),
    ("iframe", '<iframe src="https://evil.example"></iframe>', OK),
    ("html-entities", "&lt;b&gt;&#x3C;&#60;", OK),
    ("jinja", "{{ 7*7 }} {% for x in y %}", OK),
    ("js-template", "${7*7} #{7*7}", OK),
    ("style-tag", "<style>body{display:none}</style>", OK),
    # SQL metacharacters
    ("sql-or", "' OR 1=1 --", OK),
    ("sql-drop", "'; DROP TABLE archive_turns; --", OK),
    ("sql-union", "x' UNION SELECT password_hash FROM accounts --", OK),
    ("sql-sleep", "1; SELECT pg_sleep(10); --", OK),
    ("sql-like", "%_%\\%", OK),
    ("sql-quotes", "\"\"''``", OK),
    ("sql-comment", "/* */ -- #", OK),
    # Path traversal
    ("dot-dot", "../../../../etc/passwd", OK),
    ("encoded-dot-dot", "..%2f..%2f..%2fetc%2fpasswd", OK),
    ("windows-path", "..\\..\\windows\\win.ini", OK),
    ("credentials-file", "/formulare/../../credentials.yml", OK),
    # Huge numbers and format strings
    ("huge-number", "9" * 400, OK),
    ("float-overflow", "1e999999", OK),
    ("format-string", "%s%s%s%n%x", OK),
    ("python-format", "{0.__class__.__mro__}", OK),
    # Rasa's own syntax typed as text
    ("slash-restart", "/restart", OK),
    ("slash-intent-entities", '/ask_procedure{"form": "../../etc/passwd"}', OK),
    ("slash-bad-json", "/greet{", OK),
    ("markdown-link", "[click](javascript:alert(1))", OK),
]

#: Conversation ids a client could name (all unknown or invalid).
IDS: List[Tuple[str, Any]] = [
    ("traversal", "../../etc/passwd"),
    ("sql", "' OR '1'='1"),
    ("archive-reserved", "_archive"),
    ("too-long", "a" * 65),
    ("huge", "x" * 10_000),
    ("unicode", "conversație"),
    ("nul", "abc\x00def"),
    ("spaces", "   "),
    ("unknown-hex", "f" * 32),
    ("percent", "%2e%2e%2f"),
    ("number", 12345),
    ("negative", -1),
    ("float", 1.5),
    ("true", True),
    ("list", ["a"]),
    ("object", {"id": "a"}),
    ("emoji", "😀"),
    ("newline", "abc\ndef"),
]


@dataclass
class Case:
    """One hostile input and what must happen."""

    id: str
    surface: str
    expect: Any
    data: Dict[str, Any] = field(default_factory=dict)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def ws_cases() -> List[Case]:
    cases = []
    for name, text, verdict in TEXTS:
        cases.append(Case(f"ws/text/{name}", "ws", verdict,
                          {"frame": {"type": "message", "text": text, "client_id": f"c-{name}"}}))  # fmt: skip
    raw: List[Tuple[str, Any, str]] = [
        ("not-json", "bună ziua", "malformed"),
        ("half-json", '{"type": "message", "text": "a"', "malformed"),
        ("json-array", "[]", "malformed"),
        ("json-null", "null", "malformed"),
        ("json-number", "1", "malformed"),
        ("json-string", '"message"', "malformed"),
        ("json-true", "true", "malformed"),
        ("json-empty-object", "{}", "malformed"),
        ("type-number", '{"type": 1}', "malformed"),
        ("type-null", '{"type": null}', "malformed"),
        ("type-list", '{"type": ["message"]}', "malformed"),
        ("type-unknown", '{"type": "exec"}', "unknown_type"),
        ("type-long", json.dumps({"type": "x" * 5000}), "unknown_type"),
        ("type-empty", '{"type": ""}', "unknown_type"),
        ("type-case", '{"type": "MESSAGE", "text": "a"}', "unknown_type"),
        ("hello-again", '{"type": "hello", "conversation_id": null}', "already_started"),
        ("deep-1000", _deep(1000), "malformed"),
        ("deep-object", '{"a":' * 500 + "1" + "}" * 500, "malformed"),
        ("deep-inside-message", json.dumps({"type": "message", "text": "a"})[:-1] + ', "x": ' + _deep(100) + "}", "malformed"),
        ("frame-70kb", json.dumps({"type": "message", "text": "a" * 70_000}), "too_long"),
        ("nan", '{"type": "message", "text": NaN}', "malformed"),
        ("infinity", '{"type": "message", "text": Infinity}', "malformed"),
        ("huge-int", '{"type": "message", "text": 1' + "0" * 5000 + "}", "malformed"),
        ("text-missing", '{"type": "message", "client_id": "x"}', "malformed"),
        ("text-number", '{"type": "message", "text": 42}', "malformed"),
        ("text-list", '{"type": "message", "text": ["a"]}', "malformed"),
        ("text-object", '{"type": "message", "text": {"a": 1}}', "malformed"),
        ("text-true", '{"type": "message", "text": true}', "malformed"),
        ("text-null", '{"type": "message", "text": null}', "malformed"),
        ("payload-number", '{"type": "message", "text": "a", "payload": 5}', "malformed"),
        ("payload-object", '{"type": "message", "text": "a", "payload": {"x": 1}}', "malformed"),
        ("payload-empty", '{"type": "message", "text": "a", "payload": "  "}', "malformed"),
        ("payload-huge", json.dumps({"type": "message", "text": "a", "payload": "/x" * 1000}), "malformed"),
        ("leave-queue-not-queued", '{"type": "leave_queue"}', "not_queued"),
        ("escaped-surrogate", '{"type": "message", "text": "\\ud800", "client_id": "s"}', "malformed"),
        ("escaped-nul", '{"type": "message", "text": "\\u0000", "client_id": "n"}', "malformed"),
        ("bom-prefix", "\ufeff" + '{"type": "ping"}', "malformed"),
    ]  # fmt: skip
    for name, frame, verdict in raw:
        cases.append(Case(f"ws/frame/{name}", "ws", verdict, {"raw": frame}))
    odd_ok = [
        ("duplicate-keys", '{"type": "message", "text": "a", "text": "dublură", "client_id": "dup"}'),
        ("extra-fields", json.dumps({"type": "message", "text": "câmpuri în plus", "client_id": "extra",
                                     "admin": True, "sender": "bot", "clerk_id": "ana"})),
        ("client-id-list", json.dumps({"type": "message", "text": "id listă", "client_id": ["a"]})),
        ("client-id-huge", json.dumps({"type": "message", "text": "id lung", "client_id": "k" * 5000})),
        ("client-id-html", json.dumps({"type": "message", "text": "id html", "client_id": "<b>x</b>"})),
        ("payload-xss", json.dumps({"type": "message", "text": "buton", "payload": "<script>alert(1)</script>",
                                    "client_id": "pxss"})),
        ("payload-javascript", json.dumps({"type": "message", "text": "buton js", "payload": "javascript:alert(1)",
                                           "client_id": "pjs"})),
        ("ascii-escapes", '{"type": "message", "text": "\\u0062un\\u0103", "client_id": "esc"}'),
    ]  # fmt: skip
    for name, frame in odd_ok:
        cases.append(Case(f"ws/frame/{name}", "ws", OK, {"raw": frame}))
    for name, value in IDS:
        cases.append(Case(f"ws/hello/{name}", "ws-hello", "error", {"conversation_id": value}))
    invalid_utf8 = [
        ("ff-fe", b"\xff\xfe"),
        ("cut-sequence", b'{"type": "message", "text": "bun\xc3 ziua"}'),
        ("encoded-surrogate", b'{"type": "message", "text": "\xed\xa0\x80"}'),
        ("overlong", b'{"type": "message", "text": "\xc0\xaf"}'),
        ("beyond-unicode", b'{"type": "message", "text": "\xf4\x90\x80\x80"}'),
        ("latin1", '{"type": "message", "text": "bună"}'.encode("latin-1", "replace").replace(b"?", b"\xe3")),
    ]
    for name, data in invalid_utf8:
        cases.append(Case(f"ws/bytes/{name}", "ws-bytes", "close_1007", {"bytes": data}))
    cases.append(Case("ws/binary/json", "ws-binary", "malformed", {"bytes": b'{"type": "ping"}'}))
    cases.append(Case("ws/binary/junk", "ws-binary", "malformed", {"bytes": bytes(range(256))}))
    return cases


def rest_cases() -> List[Case]:
    cases = []
    for name, text, verdict in TEXTS:
        status = 200 if verdict == OK else 413 if verdict == "too_long" else 400
        cases.append(
            Case(f"rest/text/{name}", "rest", status, {"json": {"sender": f"ostil-{name}", "message": text}})
        )
    bodies: List[Tuple[str, bytes, Optional[str], int]] = [
        ("empty-body", b"", "application/json", 400),
        ("empty-string", b'""', "application/json", 400),
        ("array", b"[]", "application/json", 400),
        ("null", b"null", "application/json", 400),
        ("number", b"1", "application/json", 400),
        ("true", b"true", "application/json", 400),
        ("half-json", b'{"sender": "a", "message": "b"', "application/json", 400),
        ("deep", _deep(1000).encode(), "application/json", 400),
        ("deep-inside", b'{"sender": "s", "message": "m", "x": ' + _deep(5000).encode() + b"}", "application/json", 400),
        ("text-plain", b'{"sender": "s1", "message": "buna"}', "text/plain", 400),
        ("form-encoded", b"sender=s1&message=buna", "application/x-www-form-urlencoded", 400),
        ("no-content-type", b'{"sender": "s1", "message": "buna"}', None, 400),
        ("invalid-utf8", b'{"sender": "s1", "message": "\xff\xfe"}', "application/json", 400),
        ("nan", b'{"sender": "s1", "message": NaN}', "application/json", 400),
        ("huge-int", b'{"sender": "s1", "message": 1' + b"0" * 5000 + b"}", "application/json", 400),
        ("message-missing", b'{"sender": "s1"}', "application/json", 400),
        ("sender-missing", b'{"message": "buna"}', "application/json", 400),
        ("message-number", b'{"sender": "s1", "message": 5}', "application/json", 400),
        ("message-list", b'{"sender": "s1", "message": ["a"]}', "application/json", 400),
        ("message-null", b'{"sender": "s1", "message": null}', "application/json", 400),
        ("metadata-string", b'{"sender": "s1", "message": "buna", "metadata": "x"}', "application/json", 400),
        ("metadata-list", b'{"sender": "s1", "message": "buna", "metadata": []}', "application/json", 400),
    ]  # fmt: skip
    for name, body, content_type, status in bodies:
        cases.append(Case(f"rest/body/{name}", "rest", status, {"body": body, "content_type": content_type}))
    for name, value in IDS:
        # A REST sender that is a valid id starts a conversation of its own (Rasa's REST).
        status = 200 if name == "unknown-hex" else 400
        cases.append(
            Case(f"rest/sender/{name}", "rest", status, {"json": {"sender": value, "message": "bună ziua"}})
        )
    return cases


CONVERSATION_ACTIONS = ("takeover", "message", "card", "pdf", "transfer", "release", "close", "redirect")
#: Ids in a console URL path (percent-encoded by the test).
PATH_IDS = ["../../etc/passwd", "' OR '1'='1", "_archive", "a" * 65, "x" * 3000, "conversație",
            "e" * 32, "%00", "null", "-1", "<script>"]  # fmt: skip


def console_cases() -> List[Case]:
    cases = []
    for name, text, verdict in TEXTS:
        status = 200 if verdict == OK else 413 if verdict == "too_long" else 400
        cases.append(Case(f"console/message/{name}", "console-message", status, {"text": text}))
    for n, cid in enumerate(PATH_IDS):
        for action in CONVERSATION_ACTIONS:
            cases.append(Case(f"console/path/{action}/{n}", "console", (400, 403, 404),
                              {"method": "POST", "path": f"conversations/{{id:{n}}}/{action}", "json": {}}))  # fmt: skip
        cases.append(Case(f"console/path/view/{n}", "console", (400, 403, 404),
                          {"method": "GET", "path": f"conversations/{{id:{n}}}"}))  # fmt: skip
    held = [
        ("card-unknown-form", "card", {"form_id": "nu_exista"}, 404),
        ("card-traversal", "card", {"form_id": "../../credentials"}, (400, 404)),
        ("card-number", "card", {"form_id": 5}, (400, 404)),
        ("card-list", "card", {"form_id": ["certificat_urbanism"]}, (400, 404)),
        ("pdf-unknown-form", "pdf", {"form_id": "nu_exista"}, 404),
        ("pdf-sql", "pdf", {"form_id": "' OR 1=1 --"}, (400, 404)),
        ("transfer-unknown", "transfer", {"to": "nimeni"}, (400, 404)),
        ("transfer-self-sql", "transfer", {"to": "'; DROP TABLE accounts; --"}, (400, 404)),
        ("transfer-number", "transfer", {"to": 7}, (400, 404)),
        ("close-bad-flag", "close", {"flag": "nu_exista"}, 400),
        ("close-flag-number", "close", {"flag": 1}, 400),
        ("close-note-only", "close", {"note": "fără motiv"}, 400),
        ("close-other-without-note", "close", {"flag": "altul"}, 400),
        ("close-note-too-long", "close", {"flag": "altul", "note": "n" * 501}, (400, 413)),
        ("close-note-list", "close", {"flag": "spam", "note": ["a"]}, 400),
        ("redirect-huge-id", "redirect", {"hint_id": 10**30}, (400, 404)),
        ("redirect-negative", "redirect", {"hint_id": -1}, (400, 404)),
        ("redirect-float", "redirect", {"hint_id": 1.5}, (400, 404)),
        ("redirect-string", "redirect", {"hint_id": "1; DROP TABLE x"}, (400, 404)),
        ("redirect-null", "redirect", {"hint_id": None}, (400, 404)),
        ("redirect-bool", "redirect", {"hint_id": True}, (400, 404)),
        ("message-number", "message", {"text": 5}, 400),
        ("message-missing", "message", {}, 400),
        ("message-nested", "message", {"text": {"a": [1, 2]}}, 400),
    ]
    for name, action, body, status in held:
        cases.append(Case(f"console/held/{name}", "console", status,
                          {"method": "POST", "path": f"conversations/{{held}}/{action}", "json": body}))  # fmt: skip
    raw = [
        ("presence-unknown", "presence", b'{"presence": "admin"}', "application/json", 400),
        ("presence-number", "presence", b'{"presence": 1}', "application/json", 400),
        ("presence-null", "presence", b'{"presence": null}', "application/json", 400),
        ("presence-deep", "presence", _deep(1000).encode(), "application/json", 400),
        ("presence-array", "presence", b'["activ"]', "application/json", 400),
        ("presence-text-plain", "presence", b'{"presence": "activ"}', "text/plain", 415),
        ("presence-form", "presence", b"presence=activ", "application/x-www-form-urlencoded", 415),
        ("presence-huge", "presence", b'{"presence": "activ", "x": "' + b"a" * 70_000 + b'"}', "application/json", 413),
        ("presence-invalid-utf8", "presence", b'{"presence": "\xff"}', "application/json", 400),
        ("presence-half", "presence", b'{"presence": ', "application/json", 400),
        ("presence-nan", "presence", b'{"presence": NaN}', "application/json", 400),
    ]  # fmt: skip
    # Form posts to the login and logout forms without their CSRF token (web/csrf.py).
    forms = [
        ("login-no-token", "/console/login", b"username=ostil.clerk&password=parola-de-test-1"),
        ("login-token-non-ascii", "/console/login",
         "username=a&password=b&csrf_token=ș".encode()),
        ("login-token-huge", "/console/login", b"username=a&password=b&csrf_token=" + b"x" * 5000),
        ("login-invalid-utf8", "/console/login", b"username=\xff&password=\xfe"),
        ("login-sql", "/console/login", b"username=%27+OR+1%3D1+--&password=x"),
        ("logout-no-token", "/console/logout", b""),
        ("logout-token-wrong", "/console/logout", b"csrf_token=" + b"A" * 43),
        ("audit-login-no-token", "/console/audit/login", b"username=ostil.audit&password=parola-de-test-1"),
        ("audit-logout-no-token", "/console/audit/logout", b""),
    ]  # fmt: skip
    for name, url, body in forms:
        cases.append(Case(f"console/form/{name}", "console", 403,
                          {"method": "POST", "url": url, "body": body,
                           "content_type": "application/x-www-form-urlencoded"}))  # fmt: skip
    for name, path, body, content_type, status in raw:
        cases.append(Case(f"console/body/{name}", "console", status,
                          {"method": "POST", "path": path, "body": body, "content_type": content_type}))  # fmt: skip
    return cases


def audit_cases() -> List[Case]:
    cases = []
    for name, text, verdict in TEXTS:
        # Search text is plain text: anything up to 200 characters is a search (a 200);
        # a URL over 8 KB (2,001 "ș" percent-encoded) is refused by the server with 413.
        status = (200, 400) if len(text) <= 200 else (400, 413)
        cases.append(
            Case(f"audit/text/{name}", "audit", status, {"path": "search", "params": {"text": text}})
        )
    params: List[Tuple[str, Dict[str, str], Any]] = [
        ("since-year-1", {"since": "0001-01-01"}, 400),
        ("since-9999", {"since": "9999-12-31"}, 400),
        ("until-year-1", {"until": "0001-01-01T00:00"}, 400),
        ("since-feb-30", {"since": "2026-02-30"}, 400),
        ("since-month-13", {"since": "2026-13-01"}, 400),
        ("since-words", {"since": "ieri"}, 400),
        ("since-sql", {"since": "2026-01-01' OR 1=1"}, 400),
        ("since-huge", {"since": "9" * 400}, 400),
        ("since-after-until", {"since": "2026-03-10", "until": "2026-03-01"}, 400),
        ("since-offset-huge", {"since": "2026-01-01T00:00+99:00"}, 400),
        ("until-negative", {"until": "-2026-01-01"}, 400),
        ("flags-unknown", {"flags": "nu_exista"}, 400),
        ("flags-sql", {"flags": "insult' OR 1=1"}, 400),
        ("flags-upper", {"flags": "INSULT"}, 400),
        ("flags-commas", {"flags": ",,,"}, 200),
        ("flags-huge", {"flags": "a" * 5000}, 400),
        ("speaker-unknown", {"speaker": "root"}, 400),
        ("speaker-sql", {"speaker": "bot' --"}, 400),
        ("clerk-sql", {"clerk": "'; DROP TABLE accounts; --"}, 400),
        ("clerk-huge", {"clerk": "a" * 500}, 400),
        ("intent-huge", {"intent": "i" * 300}, 400),
        ("limit-zero", {"limit": "0"}, 400),
        ("limit-negative", {"limit": "-1"}, 400),
        ("limit-huge", {"limit": "9" * 40}, 400),
        ("limit-float", {"limit": "1.5"}, 400),
        ("limit-nan", {"limit": "NaN"}, 400),
        ("limit-words", {"limit": "zece"}, 400),
        ("offset-negative", {"offset": "-5"}, 400),
        ("offset-huge", {"offset": "1" + "0" * 30}, 400),
        ("unknown-param", {"sort": "desc"}, 400),
        ("misspelt-flag", {"flag": "insult"}, 400),
    ]
    for name, query, status in params:
        cases.append(Case(f"audit/search/{name}", "audit", status, {"path": "search", "params": query}))
        export_status = 400 if name.startswith(("limit", "offset")) else status
        cases.append(Case(f"audit/export/{name}", "audit", export_status,
                          {"path": "export/csv", "params": query}))  # fmt: skip
    for n, cid in enumerate(PATH_IDS):
        cases.append(
            Case(f"audit/transcript/{n}", "audit", (400, 404), {"path": f"conversations/{{id:{n}}}"})
        )
        for fmt in ("csv", "json", "pdf"):
            cases.append(Case(f"audit/transcript-export/{fmt}/{n}", "audit", (400, 404),
                              {"path": f"conversations/{{id:{n}}}/export/{fmt}"}))  # fmt: skip
    for name, fmt in [("xml", "xml"), ("traversal", "..%2f..%2fcsv"), ("upper", "CSV"), ("empty-ish", "%20")]:
        cases.append(Case(f"audit/export-format/{name}", "audit", (400, 404), {"path": f"export/{fmt}"}))
    for name, value in [("negative", "-1"), ("huge", "9" * 40), ("words", "toate")]:
        cases.append(
            Case(f"audit/access-log/{name}", "audit", 400, {"path": "access-log", "params": {"limit": value}})
        )
    return cases


def all_cases() -> List[Case]:
    cases = ws_cases() + rest_cases() + console_cases() + audit_cases()
    ids = [case.id for case in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"corpus ids not unique: {sorted(duplicates)}")
    return cases
