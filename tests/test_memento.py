"""Memento (RFC 7089) in the web reader, over real crawled archives (SQLite and PostgreSQL): the
TimeMap lists an edited article's two revisions, the TimeGate picks the one in force at the
``Accept-Datetime`` asked for, revision pages carry ``Memento-Datetime`` and ``Link``; every URL
form the crawler maps to the article resolves to it. Formats are checked against RFC 7089's own
examples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from crawler.urls import article_id_of
from tests.crawling import revisions
from tests.web_archive import (
    EDIT_PREFIX,
    WebArchive,
    serving,
    web_archive,  # noqa: F401  (the module's fixture)
)
from viva_militer_archive.web.app import create_app
from viva_militer_archive.web.memento import accept_datetime, http_date
from viva_militer_archive.web.params import BadInput

RFC_TIMEMAP = """<http://a.example.org>;rel="original",
<http://arxiv.example.net/timemap/http://a.example.org>
  ; rel="self";type="application/link-format"
  ; from="Tue, 20 Jun 2000 18:02:59 GMT"
  ; until="Wed, 09 Apr 2008 20:30:51 GMT",
<http://arxiv.example.net/timegate/http://a.example.org>
  ; rel="timegate",
<http://arxiv.example.net/web/20000620180259/http://a.example.org>
  ; rel="first memento";datetime="Tue, 20 Jun 2000 18:02:59 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20091027204954/http://a.example.org>
   ; rel="last memento";datetime="Tue, 27 Oct 2009 20:49:54 GMT"
   ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20000621011731/http://a.example.org>
  ; rel="memento";datetime="Wed, 21 Jun 2000 01:17:31 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/"
"""
"""RFC 7089 section 5.1.1's TimeMap example."""
RFC_TIMEGATE_LINK = """<http://a.example.org/>; rel="original",
 <http://arxiv.example.net/timemap/http://a.example.org/>
   ; rel="timemap"; type="application/link-format"
   ; from="Tue, 15 Sep 2000 11:28:26 GMT"
   ; until="Wed, 20 Jan 2010 09:34:33 GMT"
"""
"""The ``Link`` of RFC 7089 section 4.2.1's TimeGate answer (pattern 2.2)."""
RFC_ACCEPT_DATETIME = "Tue, 11 Sep 2001 20:35:00 GMT"
"""The ``Accept-Datetime`` of RFC 7089's examples (section 4.2.1)."""
_LINK_RE = re.compile(r'\s*<([^>]*)>((?:\s*;\s*[a-z]+\s*=\s*"[^"]*")*)\s*(?:,|$)')
_PARAM_RE = re.compile(r';\s*([a-z]+)\s*=\s*"([^"]*)"')
_HTTP_DATE_RE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


def parse_links(text: str) -> list[tuple[str, dict[str, str]]]:
    """(URI, parameters) of each link-value of an ``application/link-format`` document or of a
    ``Link`` header, whatever whitespace separates them; fails on anything else."""
    found = [(m[1], dict(_PARAM_RE.findall(m[2]))) for m in _LINK_RE.finditer(text.strip())]
    assert sum(len(m[0]) for m in _LINK_RE.finditer(text.strip())) == len(text.strip())
    return found


def by_rel(links: list[tuple[str, dict[str, str]]]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    grouped: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for uri, params in links:
        for word in params["rel"].split():
            grouped.setdefault(word, []).append((uri, params))
    return grouped


def test_the_parser_reads_rfc_7089s_examples() -> None:
    timemap = by_rel(parse_links(RFC_TIMEMAP))
    assert timemap["memento"][0][0].endswith("20000620180259/http://a.example.org")
    assert timemap["self"][0][1]["type"] == "application/link-format"
    assert all(_HTTP_DATE_RE.match(p["datetime"]) for _, p in timemap["memento"])
    gate = by_rel(parse_links(RFC_TIMEGATE_LINK))
    assert set(gate) == {"original", "timemap"}


def test_accept_datetime_is_rfc_1123_in_gmt() -> None:
    moment = accept_datetime(RFC_ACCEPT_DATETIME)
    assert http_date(moment) == RFC_ACCEPT_DATETIME
    for bad in ("2001-09-11T20:35:00Z", "Tue, 11 Sep 2001 20:35:00 +0700", "yesterday", ""):
        with pytest.raises(BadInput):
            accept_datetime(bad)


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:  # noqa: F811
    original = revisions(web_archive.url, web_archive.edited_id)[-1].url
    resolver = partial(article_id_of, base_url=root(original))
    with TestClient(create_app(web_archive.url, article_of_url=resolver)) as test_client:
        yield test_client


def root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def url_forms(original: str) -> list[str]:
    """The forms of an article's URL the crawler maps to it."""
    path = urlsplit(original).path
    return [
        original,
        f"{original}?utm_source=twitter&medium=social#comments",
        f"{root(original)}/amp{path}",
        f"https://www.viva.co.id{path}",
        f"http://viva.co.id/amp{path}?page=all",
    ]


def test_timemap_lists_revisions(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    stored = revisions(web_archive.url, web_archive.edited_id)
    original = stored[-1].url
    answer = client.get(f"/timemap/link/{original}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/link-format")
    links = parse_links(answer.text)
    rels = by_rel(links)
    assert rels["original"][0][0] == original
    assert rels["timegate"][0][0] == f"http://testserver/timegate/{original}"
    self_uri, self_params = rels["self"][0]
    assert self_uri == f"http://testserver/timemap/link/{original}"
    assert self_params["type"] == "application/link-format"
    assert self_params["from"] == http_date(stored[0].fetched_at)
    assert self_params["until"] == http_date(stored[1].fetched_at)
    mementos = [(uri, params["datetime"]) for uri, params in rels["memento"]]
    base = f"http://testserver/articles/{web_archive.edited_id}/revisions"
    assert mementos == [(f"{base}/{r.revision}", http_date(r.fetched_at)) for r in stored]
    assert [p["rel"] for _, p in links] == [
        "original", "self", "timegate", "first memento", "last memento",
    ]  # fmt: skip
    for form in url_forms(original):
        assert client.get(f"/timemap/link/{form}").text == answer.text, form


def test_timegate_picks_revision(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    first, second = revisions(web_archive.url, web_archive.edited_id)
    assert second.fetched_at - first.fetched_at >= timedelta(seconds=2), "no instant between"
    between = first.fetched_at + (second.fetched_at - first.fetched_at) / 2
    base = f"http://testserver/articles/{web_archive.edited_id}/revisions"
    for form in url_forms(second.url):
        answer = client.get(
            f"/timegate/{form}",
            headers={"accept-datetime": http_date(between)},
            follow_redirects=False,
        )
        assert answer.status_code == 302, form
        assert answer.headers["location"] == f"{base}/1"
    assert answer.headers["vary"] == "accept-datetime"
    rels = by_rel(parse_links(answer.headers["link"]))
    assert rels["original"][0][0] == second.url
    assert rels["timemap"][0][1]["type"] == "application/link-format"
    assert [uri for uri, _ in rels["memento"]] == [f"{base}/1", f"{base}/2"]

    def chosen(headers: dict[str, str]) -> str:
        answer = client.get(f"/timegate/{second.url}", headers=headers, follow_redirects=False)
        return answer.headers["location"].rsplit("/", 1)[1]

    assert chosen({}) == "2", "no Accept-Datetime: the latest"
    assert chosen({"accept-datetime": http_date(second.fetched_at + timedelta(seconds=1))}) == "2"
    assert chosen({"accept-datetime": RFC_ACCEPT_DATETIME}) == "1", "before any: the first"
    late = http_date(second.fetched_at + timedelta(days=3650))
    assert chosen({"accept-datetime": late}) == "2"


def test_revision_mementos(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    first, second = revisions(web_archive.url, web_archive.edited_id)
    answer = client.get(f"/articles/{web_archive.edited_id}/revisions/1")
    assert answer.status_code == 200
    assert answer.headers["memento-datetime"] == http_date(first.fetched_at)
    assert f"<h1>{first.title}</h1>" in answer.text and EDIT_PREFIX not in answer.text
    rels = by_rel(parse_links(answer.headers["link"]))
    assert rels["original"][0][0] == second.url
    assert rels["timegate"][0][0] == f"http://testserver/timegate/{second.url}"
    assert rels["timemap"][0][0] == f"http://testserver/timemap/link/{second.url}"
    newer = client.get(f"/articles/{web_archive.edited_id}/revisions/2")
    assert EDIT_PREFIX in newer.text
    assert client.get(f"/articles/{web_archive.edited_id}/revisions/3").status_code == 404


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/timemap/link/https://example.com/militer/x/1-a", {}, 404),
        ("/timemap/link/https://www.viva.co.id/militer/x/999999-gone", {}, 404),
        ("/timegate/not a url", {}, 404),
    ],
)
def test_unknown_urls_are_404(
    client: TestClient, path: str, headers: dict[str, str], status: int
) -> None:
    assert client.get(path, headers=headers).status_code == status


def test_bad_accept_datetime(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    url = revisions(web_archive.url, web_archive.edited_id)[-1].url
    answer = client.get(f"/timegate/{url}", headers={"accept-datetime": "yesterday"})
    assert answer.status_code == 400 and "RFC 1123" in answer.text


@pytest.mark.slow
def test_viva_archive_serve_resolves_with_the_crawls_base_url(web_archive: WebArchive) -> None:  # noqa: F811
    original = revisions(web_archive.url, web_archive.edited_id)[-1].url
    with serving(web_archive.url, env={"VIVA_BASE_URL": root(original)}) as served:
        amp = f"{root(original)}/amp{urlsplit(original).path}?utm_campaign=x"
        answer = httpx.get(f"{served.base_url}/timemap/link/{amp}")
    assert answer.status_code == 200, served.output
    assert len(by_rel(parse_links(answer.text))["memento"]) == 2
