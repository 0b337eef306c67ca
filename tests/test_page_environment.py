"""The pages' Jinja environment reads ``row.name`` on a plain dict as its item first (no
attribute lookup raising and catching ``AttributeError`` for every field of every row), and
keeps Jinja's order for everything else."""

from __future__ import annotations

from viva_militer_archive.web.render import environment

TEMPLATE = "{{ row.title }}|{{ row.items }}|{{ other.real }}|{{ other.missing is defined }}"


def test_dict_items_come_first_and_other_objects_keep_jinja_order() -> None:
    rendered = environment().from_string(TEMPLATE)
    row = {"title": "<b>Judul</b>", "items": 3}
    assert rendered.render(row=row, other=2.5) == "&lt;b&gt;Judul&lt;/b&gt;|3|2.5|False"
