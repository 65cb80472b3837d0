"""``adgen show --html``: the side-by-side page, read back with ``html.parser``."""

import base64
import hashlib
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import adgen
from adgen import gradient_files, pipeline, sidebyside
from clirun import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
PROJECTILE = ["projectile.py:landing_distance", "--wrt", "speed,angle,drag"]


class Page(HTMLParser):
    """What a page holds: its lines per column, the header's fields, every tag's attributes."""

    def __init__(self, text):
        super().__init__()
        self.tags = []  # (tag, attrs)
        self.lines = {"left": [], "right": []}  # per column: dicts of a line's attributes, "number", "text"
        self.fields = {}
        self.raw = {}  # "script"/"style" -> their text
        self._side = self._line = self._into = self._dt = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self._side = attrs.get("id")
        elif tag == "div" and "l" in attrs.get("class", "").split():
            self._line = dict(attrs, number="", text="")
            self.lines[self._side].append(self._line)
        elif tag in ("code", "a", "dt", "dd", "script", "style"):
            self._into = tag

    def handle_endtag(self, tag):
        if tag == "section":
            self._side = None
        elif tag == "div" and self._into is None:
            self._line = None
        if tag == self._into:
            self._into = None

    def handle_data(self, data):
        if self._line is not None and self._into == "code":
            self._line["text"] += data
        elif self._line is not None and self._into == "a":
            self._line["number"] += data
        elif self._into == "dt":
            self._dt = data
        elif self._into == "dd":
            self.fields[self._dt] = self.fields.get(self._dt, "") + data
        elif self._into in ("script", "style"):
            self.raw[self._into] = self.raw.get(self._into, "") + data

    def by_id(self):
        return {line["id"]: line for side in self.lines.values() for line in side}


@pytest.fixture
def projectile(monkeypatch, capsys, tmp_path):
    """The page of examples/projectile.py:landing_distance, and adgen show's text of it."""
    monkeypatch.chdir(EXAMPLES)
    out = tmp_path / "view.html"
    code, _, err = run(capsys, "show", "--html", *PROJECTILE, "-o", out)
    assert code == 0 and err == ""
    code, shown, _ = run(capsys, "show", *PROJECTILE)
    assert code == 0
    return out.read_text(encoding="ascii"), shown


def source_lines(path, first, last):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()[first - 1 : last]


def test_both_columns_hold_every_line(projectile):
    text, shown = projectile
    page = Page(text)
    left, right = page.lines["left"], page.lines["right"]
    assert [line["text"] for line in left] == source_lines(os.path.join(EXAMPLES, "projectile.py"), 9, 23)
    assert [line["id"] for line in left] == [f"src-{n}" for n in range(9, 24)]
    assert [line["text"] for line in right] == shown.splitlines()
    assert [line["id"] for line in right] == [f"gen-{m}" for m in range(1, len(right) + 1)]
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
    for line in left + right:  # each line's number is a link to its own anchor
        assert line["number"] == line["id"].split("-")[-1]
        assert ("a", {"class": "n", "href": "#" + line["id"]}) in page.tags


def test_each_differentiated_line_links_to_its_forward_and_backward(projectile):
    page = Page(projectile[0])
    lines = page.by_id()
    for n in (11, 12, 15, 16, 17, 18, 19):
        user = lines[f"src-{n}"]
        assert user["data-src"] == f"src-{n}"
        forward, backward = user["data-fwd"].split(), user["data-bwd"].split()
        assert forward and backward
        for kind, ids in (("fwd", forward), ("bwd", backward)):
            for gen in ids:
                assert gen.startswith("gen-") and lines[gen]["data-src"] == f"src-{n}"
                assert kind in lines[gen]["class"].split()
        # the backward block starts at its comment, which quotes the line
        assert lines[backward[0]]["text"].strip() == f"# line {n}: " + source_lines(os.path.join(EXAMPLES, "projectile.py"), n, n)[0].strip()
    assert "vx = vx - _t3 * v * vx" in [lines[g]["text"].strip() for g in lines["src-17"]["data-fwd"].split()]
    assert "v = np.sqrt(vx * vx + vy * vy)" in [lines[g]["text"].strip() for g in lines["src-16"]["data-fwd"].split()]
    # and back: every linked generated line is listed by the user line it names
    for line in page.lines["right"]:
        if "data-src" in line:
            user = lines[line["data-src"]]
            assert line["id"] in (user.get("data-fwd", "") + " " + user.get("data-bwd", "")).split()


def test_lines_of_adgen_own_link_to_nothing(projectile):
    page = Page(projectile[0])
    unlinked = [line["text"].strip() for line in page.lines["right"] if "data-src" not in line]
    assert "import numpy as np" in unlinked and "_tape = _rt.Tape()" in unlinked
    assert "_tape.extend((vx, _t3, v, vy))" in unlinked and "# backward" in unlinked
    assert any(t.startswith("_dx = _rt.seed(") for t in unlinked)
    assert any(t.startswith("return _ans, _rt.as_grads(") for t in unlinked)
    assert "data-src" not in page.by_id()["src-10"]  # the docstring made nothing


def test_header_fields(projectile):
    page = Page(projectile[0])
    assert page.fields["function"] == "landing_distance"
    assert page.fields["file"] == "projectile.py"
    assert page.fields["wrt"] == "speed, angle, drag"
    assert page.fields["adgen"] == adgen.__version__
    assert "shapes" not in page.fields


MODEL = """import numpy as np


def f(x, w):
    y = np.sin(x) * w  # y's adjoint is read twice: line 6 keeps a statement of its own
    total = np.sum(y
                   * y)
    return total
"""


def test_shapes_and_a_statement_on_several_lines(tmp_path, monkeypatch, capsys):
    (tmp_path / "html_shapes.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "show", "--html", "html_shapes.py:f", "--wrt", "x,w", "--shape", "x=3x2", "--shape", "w=2")
    assert code == 0 and err == ""
    page = Page(out)
    assert page.fields["shapes"] == "x (3, 2), w (2,)"
    assert page.fields["wrt"] == "x, w"
    lines = page.by_id()
    assert lines["src-7"]["data-src"] == "src-6"  # the second line of a statement goes with its first
    assert "data-fwd" not in lines["src-7"] and lines["src-6"]["data-fwd"] and lines["src-6"]["data-bwd"]


def test_the_page_loads_nothing(projectile):
    text = projectile[0]
    page = Page(text)
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert attrs.get("href", "#").startswith("#"), (tag, attrs)
    assert not re.search(r"(https?:)?//[\w.-]+\.\w", text.replace("</", ""))
    assert [t for t, _ in page.tags].count("script") == 1 and [t for t, _ in page.tags].count("style") == 1
    policy = next(a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none';")
    for kind in ("script", "style"):  # the page's own script and style run: their hashes are allowed
        digest = base64.b64encode(hashlib.sha256(page.raw[kind].encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in policy


HOSTILE = '''import numpy as np


def f(x):
    label = "</script><script>alert(1)</script>"  # <b>bold</b> & "quoted"
    y = x * x  # <b>not bold</b> <!-- -->
    return y
'''


def test_the_user_text_is_escaped(tmp_path, monkeypatch, capsys):
    folder = tmp_path / 'odd <i>&"name'
    folder.mkdir()
    (folder / "html_hostile.py").write_text(HOSTILE)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "show", "--html", f"{folder.name}/html_hostile.py:f")
    assert code == 0 and err == ""
    for raw in ("<script>alert", "</script><script>", "<b>", "<i>", "<!-- -->"):
        assert raw not in out
    page = Page(out)
    assert [line["text"] for line in page.lines["left"]] == HOSTILE.splitlines()[3:]
    assert [t for t, _ in page.tags].count("script") == 1 and "b" not in [t for t, _ in page.tags]
    assert page.fields["file"] == f"{folder.name}/html_hostile.py"
    generated = [line["text"] for line in page.lines["right"]]
    assert any("# line 6: y = x * x  # <b>not bold</b> <!-- -->" in t for t in generated)
    assert out.isascii()


def test_the_same_input_gives_the_same_bytes(projectile, tmp_path):
    text, _ = projectile
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "adgen", "show", "--html", *PROJECTILE], cwd=EXAMPLES,
                              env=dict(env, PYTHONHASHSEED=seed), capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == text.encode("ascii")


def test_without_o_the_page_goes_to_stdout(projectile, monkeypatch, capsys):
    code, out, err = run(capsys, "show", "--html", *PROJECTILE)
    assert code == 0 and err == ""
    assert out == projectile[0]
    assert out.startswith(sidebyside.MARK) and out.splitlines()[1] == "<!DOCTYPE html>"


def test_o_into_a_missing_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(EXAMPLES)
    missing = tmp_path / "no" / "view.html"
    code, out, err = run(capsys, "show", "--html", *PROJECTILE, "-o", missing)
    assert code == 2 and out == ""
    assert err.startswith("adgen: error:") and "does not exist" in err
    assert not missing.parent.exists()


def test_o_goes_with_html(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(EXAMPLES)
    code, out, err = run(capsys, "show", *PROJECTILE, "-o", tmp_path / "view.html")
    assert code == 2 and "-o goes with --html" in err
    assert not (tmp_path / "view.html").exists()


def test_o_overwrites_only_its_own_pages(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(EXAMPLES)
    out = tmp_path / "view.html"
    out.write_text("<p>mine</p>\n")
    code, _, err = run(capsys, "show", "--html", *PROJECTILE, "-o", out)
    assert code == 2 and "not overwriting" in err and out.read_text() == "<p>mine</p>\n"
    assert run(capsys, "show", "--html", *PROJECTILE, "-o", out, "--force")[0] == 0
    first = out.read_text()
    assert run(capsys, "show", "--html", *PROJECTILE, "-o", out)[0] == 0  # a page adgen wrote
    assert out.read_text() == first


def test_the_functions_it_calls_show_too(monkeypatch, capsys):
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = run(capsys, "show", "--html", "helper.py:final_angle", "--wrt", "theta0,g_over_l,damping")
    assert code == 0
    page = Page(out)
    lines = page.by_id()
    left = [line["id"] for line in page.lines["left"]]
    assert left[0] == "src-23"  # the function's own lines first, then its helpers'
    assert {"src-8", "src-10", "src-13", "src-20"} <= set(left)
    # rk4_step's line 18 is differentiated in _fwd_rk4_step and _bwd_rk4_step
    for kind in ("fwd", "bwd"):
        gens = lines["src-18"][f"data-{kind}"].split()
        assert gens and all(lines[g]["data-src"] == "src-18" for g in gens)
    assert lines["src-27"]["data-fwd"] and lines["src-27"]["data-bwd"]


def test_lines_cost_nothing_unless_asked(monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    src = gradient_files.load("projectile.py", "landing_distance")
    plain = pipeline.transform(src, ("speed", "angle", "drag"))
    mapped = pipeline.transform(src, ("speed", "angle", "drag"), lines=True)
    assert plain.lines is None and plain.text == mapped.text
    assert len(mapped.lines) == mapped.text.count("\n")
    starts = [entry[1] for entry in mapped.lines if entry is not None and entry[1]]
    assert set(starts) <= set(range(9, 24)) and len(starts) > 10
