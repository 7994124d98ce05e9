"""The search field's language, parsed: words, prefixes, phrases, exclusions and operators;
any text at all parses, and nothing in it reaches FTS5 as syntax."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pocket_companion.library.query import Filter, Query, Term, has_words, parse, site_value


@pytest.mark.parametrize("text, expected", [
    ("", Query()),
    ("   ", Query()),
    ("cafe", Query((Term("cafe", prefix=True),))),
    ("Café flore", Query((Term("Café"), Term("flore", prefix=True)))),
    ('"le café" flore', Query((Term("le café"), Term("flore", prefix=True)))),
    ('flore "le café"', Query((Term("flore"), Term("le café")))),  # a phrase is never a prefix
    ('"unclosed phrase', Query((Term("unclosed phrase"),))),
    ("-paris cafe", Query((Term("cafe", prefix=True),), (Term("paris"),))),
    ('-"le café"', Query((), (Term("le café"),))),
    ("tag:News", Query(filters=(Filter("tag", "news"),))),
    ('tag:"Two  Words" x', Query((Term("x", prefix=True),), filters=(Filter("tag", "two words"),))),
    ("is:archived is:FAV is:favourite is:unread", Query(filters=(
        Filter("is", "archived"), Filter("is", "favorite"), Filter("is", "favorite"),
        Filter("is", "unread")))),
    ("-is:archived -tag:x", Query(filters=(Filter("is", "archived", True),
                                           Filter("tag", "x", True)))),
    ("site:www.Example.org", Query(filters=(Filter("site", "example.org"),))),
    ("is:nothing", Query((Term("is:nothing", prefix=True),))),  # unknown value: words
    ("title:foo 10:30", Query((Term("title:foo"), Term("10:30", prefix=True)))),
    ("tag: site: is:", Query()),  # operators still being typed
    ("- * : \" ( ) ^ + {} --", Query()),  # nothing to search for
    ('say "it"s', Query((Term("say"), Term("it"), Term("s", prefix=True)))),
])
def test_parse(text: str, expected: Query) -> None:
    assert parse(text) == expected


def test_text_that_is_fts_syntax_stays_words() -> None:
    query = parse('AND OR NOT NEAR(a b) {title}:x ^y z* "q""r"')
    assert [term.text for term in query.words] == [
        "AND", "OR", "NOT", "NEAR(a", "b)", "{title}:x", "^y", "z*", "q", "r"]
    assert all('"' not in term.text for term in query.words)


@pytest.mark.parametrize("value, site", [
    ("example.org", "example.org"), ("WWW.EXAMPLE.ORG.", "example.org"),
    ("https://www.example.org/path?q#f", "example.org"), ("example.org:8080", "example.org"),
    ("[::1]:8080", "::1"), ("bücher.example", "xn--bcher-kva.example"),
    ("\u2764.example", "\u2764.example"),  # not a host name (IDNA): matches no stored site
])
def test_site_values_are_read_as_sites_are_stored(value: str, site: str) -> None:
    assert site_value(value) == site


@given(st.text(max_size=600))
def test_any_text_parses_to_quotable_terms(text: str) -> None:
    query = parse(text)
    for term in (*query.words, *query.excluded):
        assert '"' not in term.text and "\x00" not in term.text
        assert has_words(term.text)
    assert sum(term.prefix for term in query.words) <= 1
