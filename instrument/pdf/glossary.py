"""The glossary appendix: every asked practice's explanation, in questionnaire order,
with the profile's local note; an entry never splits across pages."""

from __future__ import annotations

from .blocks import Block, Kit
from .metrics import MM


class Glossary:
    def __init__(self, kit: Kit):
        self.k = kit
        self._areas: dict[str, list[Block]] = {}

    def blocks(self, areas: list[str]) -> list[Block]:
        """The appendix heading and intro, then ``areas`` (ids) in order."""
        k = self.k
        t = k.t
        intro = t.gettext("A short explanation of each practice, in the order of the "
                          "questionnaire, to read whenever you need it.")
        blocks = [*k.para(t.gettext("Appendix: Glossary"), 13, bold=True, after=1 * MM,
                          keep_with_next=True),
                  *k.para(intro, 8.5, gray=0.3, after=1 * MM)]
        for area in areas:
            blocks += self.area(area)
        return blocks

    def area(self, area_id: str) -> list[Block]:
        """One area's entries (cached: shared by every form)."""
        if area_id not in self._areas:
            k = self.k
            a = k.area[area_id]
            x = k.m.left + 4 * MM
            blocks = [k.space(3 * MM),
                      *k.para(f"{a.number}. {a.name}", 10.5, bold=True, after=1 * MM,
                              keep_with_next=True)]
            for p in k.inst.practices_of_area(area_id):
                name = k.para(f"{p.code}  {p.name}", 9, bold=True, keep_with_next=True)
                body = k.para(p.glossary, 8.5, x=x, after=0.8 * MM if p.note else 1.5 * MM)
                if p.note:
                    body += k.para(p.note, 8.5, x=x, gray=0.3, after=1.5 * MM)
                body = [Block(b.kind, b.height, b.draw, area_id, keep_with_next=(
                    b is not body[-1])) for b in body]  # one entry never splits
                blocks += name + body
            self._areas[area_id] = blocks
        return self._areas[area_id]
