"""Schemathesis hooks of the conformance run (loaded by `hooks` in schemathesis.toml).

NUL bytes (U+0000) are generated (`generation.allow-x00 = true`): no request carrying one may
make a 500 (#18 item 9). The contract gives every free-text string the pattern `^[^\\u0000]*$`,
so a generated value of a declared string never carries one; a NUL still reaches the server in
what no schema of ours constrains — the keys and values of members a schema does not declare,
a string with a `format`, a path or query parameter — and the server refuses a NUL anywhere,
declared or not, with `invalid_text` (400 in the URL, 422 in a body), because no record may hold
one (PostgreSQL cannot store it).

So the built-in `positive_data_acceptance` is replaced by `positive_data_acceptance_but_nul`
(run.sh excludes the built-in): the same check, with the same per-operation expected statuses,
for every case; a case carrying a NUL may in addition be refused as `invalid_text` (or, for a
NUL in a multipart part's header, `malformed_multipart`). Every other
check — `not_a_server_error` first — runs on every case, NUL or not.
"""

import json

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

NUL_REFUSALS = {"invalid_text", "malformed_multipart"}


def _carries_nul(request) -> bool:
    """Whether the request as sent holds a NUL: raw, percent-encoded or JSON-escaped."""
    url = (request.url or "").lower()
    if "%00" in url or "\x00" in url:
        return True
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return b"\x00" in body or b"\\u0000" in body or b"%00" in body


@schemathesis.check
def positive_data_acceptance_but_nul(ctx, response, case):
    """`positive_data_acceptance`, except that a case carrying a NUL may be refused as
    `invalid_text` (400/422)."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and _carries_nul(response.request) and response.status_code in (400, 422):
        try:
            code = json.loads(response.content or b"{}").get("code")
        except (ValueError, AttributeError):
            code = None
        if code in NUL_REFUSALS:
            return None
        # Refused for another reason (e.g. the NUL is in an uploaded file's bytes, which are
        # data, and a form field is invalid): judged like any positive case below.
    return positive_data_acceptance(ctx, response, case)
