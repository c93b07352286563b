"""The document of a report: blocks in reading order, with numbered sections,
figures and tables, and references between them; written as one
self-contained HTML page that reads on a phone and prints (by WeasyPrint,
pdf.py) as the PDF.

Texts may hold [[fig:KEY]], [[tab:KEY]] and [[sec:KEY]]: they become links
with the number ("figuur 3", "Table 2", "section 3", "Appendix A") when the
page is written, so a text may refer to something added later. A reference to
something the report does not hold is left out (with the brackets around it)
and reported in Doc.missing_refs.
"""

import base64
import html
import re

KEEP_ROWS = 15  # a table this short is not split over two pages in print
REF = re.compile(r"\[\[((?:fig|tab|sec):[A-Za-z0-9_.-]+)\]\]")


class Figure:
    def __init__(self, key, title, caption, alt, png, cls=""):
        self.key, self.title, self.caption, self.alt, self.png = key, title, caption, alt, png
        self.cls = cls
        self.num = 0


class Table:
    def __init__(self, key, title, caption, header, rows, align, cls=""):
        self.key, self.title, self.caption = key, title, caption
        self.header, self.rows, self.align, self.cls = header, rows, align, cls
        self.num = 0


class Doc:
    """The report as a list of blocks (kind, value). Sections, subsections,
    figures and tables are numbered in the order they are added."""

    def __init__(self, L, title):
        self.L = L
        self.title = title
        self.blocks = []
        self.figs = []
        self.tables = []
        self.refs = {}
        self.missing_refs = []
        self._sec = 0
        self._sub = 0
        self._app = 0

    def add(self, kind, val=None):
        self.blocks.append((kind, val))

    def section(self, key, title, appendix=False, page=True, numbered=True):
        """Open a section (h2) that starts a new page in print (page); close
        with end(). Numbered 1, 2, ..., or A, B, ... (appendix), or not."""
        if not numbered:
            num, label, heading = "", title, title
        elif appendix:
            self._app += 1
            num = chr(ord("A") + self._app - 1)
            label = self.L("ref_app", n=num)
            heading = "%s. %s" % ((label[0].upper() + label[1:]).replace("\u00a0", " "), title)
        else:
            self._sec += 1
            num = str(self._sec)
            label = self.L("ref_sec", n=num)
            heading = "%s. %s" % (num, title)
        self._sub = 0
        self._secnum = num
        self.refs["sec:" + key] = (label, "sec-" + key)
        self.add("section", (key, heading, page))

    def sub(self, key, title):
        """A numbered subsection heading (h3) of the open section."""
        self._sub += 1
        num = "%s.%d" % (self._secnum, self._sub)
        self.refs["sec:" + key] = (self.L("ref_sec", n=num), "sec-" + key)
        self.add("h3", (key, "%s %s" % (num, title)))

    def end(self):
        self.add("end")

    def figure(self, key, title, caption, alt, png, cls=""):
        fg = Figure(key, title, caption, alt, png, cls)
        self.figs.append(fg)
        fg.num = len(self.figs)
        self.refs["fig:" + key] = (self.L("ref_fig", n=fg.num), "fig-" + key)
        self.add("fig", fg)
        return fg

    def table(self, key, title, caption, header, rows, align, cls=""):
        if len(rows) <= KEEP_ROWS:
            cls = (cls + " keep").strip()
        t = Table(key, title, caption, header, rows, align, cls)
        self.tables.append(t)
        t.num = len(self.tables)
        self.refs["tab:" + key] = (self.L("ref_tab", n=t.num), "tab-" + key)
        self.add("table", t)
        return t

    def has(self, ref):
        return ref in self.refs

    # -- text with references
    def text(self, s):
        """Escaped text with its references as links."""
        def sub(m):
            if m.group(1) not in self.refs:
                self.missing_refs.append(m.group(1))
                return "\x00"
            label, anchor = self.refs[m.group(1)]
            before = m.string[:m.start()].rstrip()
            if not before or before[-1] in ".!?":  # a sentence starts with it
                label = label[0].upper() + label[1:]
            return '<a href="#%s">%s</a>' % (anchor, label)
        out = REF.sub(sub, html.escape(s, quote=False))
        if "\x00" in out:  # drop what a missing reference leaves: "(, x)", " ()", "x, "
            out = re.sub(r"\x00(, )?", "", out)
            out = re.sub(r", \)", ")", out)
            out = re.sub(r" ?\(\)", "", out)
        return out


CSS = """
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 56em; margin: 1.5em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.45em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
.sub { color: #555; margin: 0; }
.meta { color: #666; font-size: 0.85em; margin: 0.2em 0 0 0; }
a { color: #1f4e8c; }
.banner { border: 2px solid #b35806; background: #fff3e0; color: #5a2d00; padding: 0.6em 0.8em;
          margin: 1em 0; font-weight: bold; }
.banner span { font-weight: normal; }
figure { margin: 1.5em 0; break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figure.map img { max-width: 38em; width: 100%; }
figure.narrow img { max-width: 44em; width: 100%; }
figcaption, .caption { font-size: 0.9em; color: #444; }
.tw { overflow-x: auto; margin: 0.5em 0 1.5em 0; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
table caption { caption-side: top; text-align: left; padding: 0.3em 0; }
table caption .ct { color: #444; }
th, td { padding: 0.2em 0.45em; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.r { text-align: right; white-space: nowrap; } td.c, th.c { text-align: center; }
th.r { text-align: right; }
td.n { white-space: nowrap; }
td.k { font-family: "DejaVu Sans Mono", monospace; font-size: 0.95em; word-break: break-all; }
dl.glossary dt { font-weight: bold; margin-top: 0.6em; }
dl.glossary dd { margin-left: 1.2em; }
ul.notes li { color: #5a3a00; }
.footer { font-size: 0.8em; color: #666; margin-top: 3em; border-top: 1px solid #ddd;
          padding-top: 0.5em; }
@media screen and (max-width: 640px) {
  body { margin: 0.5em auto; padding: 0 0.7em; }
  h1 { font-size: 1.25em; }
  table.resp thead { display: none; }
  table.resp, table.resp caption, table.resp tbody, table.resp tr, table.resp td {
    display: block; width: auto; }
  table.resp tr { border-bottom: 2px solid #ccc; padding: 0.3em 0; }
  table.resp td { border: none; padding: 0.1em 0.2em; text-align: right; white-space: normal;
                  overflow-wrap: anywhere; }
  table.resp td::before { content: attr(data-label); float: left; font-weight: bold;
                          padding-right: 0.8em; text-align: left; }
  /* a card is headed by the gemeente; its rank is the order of the cards */
  table.resp td.n { text-align: left; font-weight: bold; font-size: 1.05em; }
  table.resp td.n::before { content: none; }
  table.resp td.rk { display: none; }
}
@page { size: A4; margin: 15mm 14mm 17mm 14mm;
        @bottom-left { content: string(docmeta); font-family: "DejaVu Sans", sans-serif;
                       font-size: 7pt; color: #777; }
        @bottom-right { content: counter(page) " / " counter(pages);
                        font-family: "DejaVu Sans", sans-serif; font-size: 7.5pt; color: #777; } }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; line-height: 1.35; }
  h1 { font-size: 15pt; margin-top: 0; }
  .meta { string-set: docmeta content(); }
  h2 { font-size: 12.5pt; margin-top: 0.6em; }
  h3 { font-size: 10.5pt; margin-top: 1.1em; }
  section.page { break-before: page; }
  h2, h3, table caption { break-after: avoid; }
  h3 + p { break-after: avoid; }  /* a section's opening sentence stays with its figure */
  p, li { orphans: 2; widows: 2; }
  .tw { overflow: visible; }
  table { font-size: 7.6pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .tw.keep { break-inside: avoid; }
  table.small { font-size: 7pt; }
  a { color: inherit; text-decoration: none; }
  figure img { max-height: 200mm; width: auto; max-width: 100%; }
  figure.map img { max-height: 150mm; }
  figure.narrow img { max-width: 150mm; }
  .footer { display: none; }
}
"""


def _period(title):
    """A title that a sentence follows on the same line ends with a full stop."""
    return title if title[-1:] in ".?!" else title + "."


def to_html(doc, css_extra=""):
    L = doc.L
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="%s">' % L.code, "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="generator" content="bwsim report">',
           "<title>%s</title>" % e(doc.title), "<style>%s%s</style>" % (CSS, css_extra),
           "</head>", "<body>", "<main>"]
    footer = []
    for kind, val in doc.blocks:
        if kind == "h1":
            out.append("<h1>%s</h1>" % e(val))
        elif kind == "sub":
            out.append('<p class="sub">%s</p>' % e(val))
        elif kind == "meta":
            out.append('<p class="meta">%s</p>' % e(val))
        elif kind == "banner":
            head, rest = val
            out.append('<div class="banner" role="note">%s <span>%s</span></div>'
                       % (e(head), doc.text(rest)))
        elif kind == "section":
            key, heading, page = val
            out.append('<section id="sec-%s"%s>' % (e(key), ' class="page"' if page else ""))
            out.append("<h2>%s</h2>" % e(heading))
        elif kind == "end":
            out.append("</section>")
        elif kind == "h2":  # an unnumbered heading
            out.append("<h2>%s</h2>" % e(val))
        elif kind == "h3":
            key, title = val
            out.append('<h3 id="sec-%s">%s</h3>' % (e(key), e(title)))
        elif kind == "h4":
            out.append("<h4>%s</h4>" % e(val))
        elif kind == "p":
            out.append("<p>%s</p>" % doc.text(val))
        elif kind == "p_b":
            out.append("<p><strong>%s</strong></p>" % doc.text(val))
        elif kind == "ul":
            out.append("<ul>" + "".join("<li>%s</li>" % doc.text(x) for x in val) + "</ul>")
        elif kind == "notes":
            out.append('<ul class="notes">' + "".join("<li>%s</li>" % doc.text(x) for x in val)
                       + "</ul>")
        elif kind == "dl":
            out.append('<dl class="glossary">' + "".join(
                "<dt>%s</dt><dd>%s</dd>" % (e(t), doc.text(d)) for t, d in val) + "</dl>")
        elif kind == "fig":
            b64 = base64.b64encode(val.png).decode("ascii")
            cls = ' class="%s"' % val.cls if val.cls else ""
            out.append('<figure id="fig-%s"%s><img src="data:image/png;base64,%s" alt="%s">'
                       "<figcaption><strong>%s %s</strong> %s</figcaption></figure>"
                       % (e(val.key), cls, b64, e(val.alt), e(L("cap_fig", n=val.num)),
                          e(_period(val.title)), doc.text(val.caption)))
        elif kind == "table":
            out.append(_table(doc, val))
        elif kind == "footer":
            footer.append('<footer class="footer">%s</footer>' % doc.text(val))
    out += ["</main>"] + footer + ["</body>", "</html>", ""]
    return "\n".join(out)


def _table(doc, t):
    e = html.escape
    cls = {"r": ' class="r"', "c": ' class="c"', "k": ' class="k"', "n": ' class="n"',
           "#": ' class="r rk"'}
    out = ['<div class="tw%s"><table class="resp%s" id="tab-%s">'
           % (" keep" if "keep" in t.cls.split() else "", " " + t.cls if t.cls else "",
              e(t.key))]
    out.append('<caption><strong>%s %s</strong>%s</caption>'
               % (e(doc.L("cap_tab", n=t.num)), e(_period(t.title)),
                  ' <span class="ct">%s</span>' % doc.text(t.caption) if t.caption else ""))
    out.append("<thead><tr>" + "".join(
        '<th scope="col"%s>%s</th>' % (cls.get(a, "") if a in "rc#" else "", e(h))
        for h, a in zip(t.header, t.align)) + "</tr></thead><tbody>")
    for row in t.rows:
        cells = []
        for c, a, h in zip(row, t.align, t.header):
            cells.append('<td%s data-label="%s">%s</td>' % (cls.get(a, ""), e(h), e(c)))
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)
