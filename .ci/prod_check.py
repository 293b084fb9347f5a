"""Checks over HTTP that a production server answers: the login page, a signed-in page, a
static file, the health endpoint and (given a token) the API. Standard library only; used by
.ci/run.

    python .ci/prod_check.py http://127.0.0.1:8765 USERNAME PASSWORD [API_TOKEN]
"""

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

BASE, USERNAME, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
API_TOKEN = sys.argv[4] if len(sys.argv) > 4 else ""
# The app sits behind a TLS proxy in production; tell it the request came over HTTPS, as the
# proxy would, so that secure cookies and the HTTPS redirect behave as they will there.
PROXY = {"X-Forwarded-Proto": "https"}
cookies: dict[str, str] = {}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


opener = urllib.request.build_opener(NoRedirect)


def request(
    path: str, data: dict[str, str] | None = None, extra: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    headers = PROXY | (extra or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(BASE + path, data=body, headers=headers)
    try:
        response = opener.open(req, timeout=20)
    except urllib.error.HTTPError as error:
        response = error
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        for key, morsel in jar.items():
            cookies[key] = morsel.value
    return response.status, dict(response.headers), response.read().decode("utf-8", "replace")


results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}")


status, headers, body = request("/accounts/login/")
check("login page", status == 200 and "csrfmiddlewaretoken" in body, f"({status})")
check(
    "security headers",
    "Strict-Transport-Security" in headers and "Content-Security-Policy" in headers,
    "",
)
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
status, headers, _ = request(
    "/accounts/login/",
    {
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "username": USERNAME,
        "password": PASSWORD,
    },
    {"Referer": BASE.replace("http://", "https://") + "/accounts/login/"},
)
signed_in = status == 302 and "sessionid" in cookies
status, headers, body = request("/")
check(
    "signed-in page", signed_in and status == 200 and "Self-assessments of" in body, f"({status})"
)
check(
    "signed-in page not stored by the browser",
    "no-store" in headers.get("Cache-Control", ""),
    f"({headers.get('Cache-Control')})",
)
css = re.search(r'href="(/static/css/app[^"]*\.css)"', body)
status, headers, _ = request(css.group(1) if css else "/static/css/app.css")
check(
    "static file",
    status == 200 and "css" in headers.get("Content-Type", ""),
    f"({status} {css.group(1) if css else 'no link found'})",
)
check(
    "static file cached",
    "no-store" not in headers.get("Cache-Control", "")
    and "max-age" in headers.get("Cache-Control", ""),
    f"({headers.get('Cache-Control')})",
)
if API_TOKEN:
    status, headers, body = request(
        "/api/v1/countries/", extra={"Authorization": f"Token {API_TOKEN}"}
    )
    check(
        "API with a token",
        status == 200
        and isinstance(json.loads(body or "null"), list)
        and "no-store" in headers.get("Cache-Control", ""),
        f"({status})",
    )
status, _, body = request("/health/")
check(
    "health endpoint",
    status == 200 and json.loads(body or "{}").get("status") == "ok",
    f"({status})",
)
failed = sum(not ok for _, ok, _ in results)
print(f"prod-check: {len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
