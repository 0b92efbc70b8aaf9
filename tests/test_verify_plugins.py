"""Theorem checks from outside the package: ``verify --plugin MODULE``, the entry-point group
``ufmtheory.theorems``, broken plugins reported as one line and a "fails" row, and the example plugin
package (examples/ufmtheory-zhu-margin) installed for real and discovered through its entry point."""
import importlib.metadata
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

from ufmtheory.cli import main
from ufmtheory.theorems import REGISTRY, CheckRow, TheoremEntry, plugins

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ufmtheory-zhu-margin"

HEADER = "from ufmtheory.theorems import CheckRow, TheoremEntry, register\n"


def entry_source(key, rows, order=500):
    """Source registering entry ``key`` whose check returns ``rows``: [(theorem, claim, verdict)]."""
    made = ", ".join(f"CheckRow({t!r}, {c!r}, 'p=1', {v!r}, 'evidence of {c}')" for t, c, v in rows)
    return (f"register(TheoremEntry({key!r}, 'title {key}', 'statement {key}', 'my notes', lambda **_: True, "
            f"lambda opts: [{made}], order={order}))\n")


def write(folder, name, source) -> pathlib.Path:
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return path


def assert_clean(r, status):
    assert r.status == status, r.describe()
    assert "Traceback" not in r.output and r.seconds < 10 and r.peak_rss_bytes < 4 * 2**30, r.describe()


# ---------------------------------------------------------------- --plugin MODULE

@pytest.mark.parametrize("how", ["module", "file"])
def test_plugin_module_rows_run_like_builtin_ones(cli_box, tmp_path, how):
    write(tmp_path, "my_claims", HEADER + entry_source("mine", [
        ("My theorem", "a claim that holds", "holds"), ("My theorem", "a claim that fails", "fails")]))
    plugin = "my_claims" if how == "module" else str(tmp_path / "my_claims.py")
    r = cli_box.run(["verify", "--no-progress", "--plugin", plugin, "--only", "mine"], cwd=str(tmp_path))
    assert_clean(r, 1)
    assert "My theorem — 1 holds, 1 failure" in r.stdout, r.describe()
    assert "  holds  a claim that holds" in r.stdout and "  fails  a claim that fails" in r.stdout, r.describe()
    assert r.stderr == "", r.describe()

    # JSON, CSV and JUnit carry the rows like a built-in entry's, keyed by the plugin's key
    r = cli_box.run(["verify", "--no-progress", "--plugin", plugin, "--only", "mine", "--json", "--csv", "out.csv",
                     "--junit-xml", "out.xml"], cwd=str(tmp_path))
    assert_clean(r, 1)
    data = json.loads(r.stdout)
    assert [(d["key"], d["theorem"], d["verdict"]) for d in data["rows"]] == [
        ("mine", "My theorem", "holds"), ("mine", "My theorem", "fails")] and data["failures"] == 1
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("mine,My theorem,") == 2
    suite = ET.parse(tmp_path / "out.xml").getroot().find("testsuite")
    assert suite.get("name") == "mine" and suite.get("tests") == "2" and suite.get("failures") == "1"


def test_list_names_where_each_entry_comes_from(cli_box, tmp_path):
    write(tmp_path, "my_claims", HEADER + entry_source("mine", [("My theorem", "c", "holds")]))
    r = cli_box.run(["verify", "--plugin", "my_claims", "--list"], cwd=str(tmp_path))
    assert_clean(r, 0)
    text = " ".join(r.stdout.split())
    assert "mine title mine — my notes [--plugin my_claims]" in text, r.describe()
    assert "zhu_l1 Zhu et al. 2021: L = 1 CE UFM closed form" in text
    assert text.count("[built-in]") == sum(e.origin == "built-in" for e in REGISTRY.values()) >= 10


def test_only_may_name_a_plugin_key_before_the_plugin(cli_box, tmp_path):
    write(tmp_path, "my_claims", HEADER + entry_source("mine", [("My theorem", "c", "holds")]))
    r = cli_box.run(["verify", "--no-progress", "--only", "mine", "--plugin", "my_claims"], cwd=str(tmp_path))
    assert_clean(r, 0)
    assert "1 claim: 1 holds, 0 failures" in r.stdout, r.describe()


@pytest.mark.parametrize("name, source, reason", [
    ("raises_on_import", "import json\nraise RuntimeError('the data file  my_table.csv\\n is missing')\n",
     "RuntimeError: the data file my_table.csv is missing"),
    ("needs_a_package", "import no_such_package_xyz\n", "ModuleNotFoundError: No module named 'no_such_package_xyz'"),
    ("registers_nothing", "X = 1\n", "registered no theorem check"),
    ("clashes", HEADER + entry_source("before_clash", [("T", "c", "holds")]) + entry_source("zhu_l1", []),
     "ValueError: theorem key 'zhu_l1' is already registered (built-in)"),
    ("bad_verdict", HEADER + "CheckRow('T', 'c', 'p', 'maybe', 'e')\n", "ValueError: verdict must be one of"),
])
def test_broken_plugin_is_one_line_and_a_failing_row(cli_box, tmp_path, name, source, reason):
    write(tmp_path, name, source)
    write(tmp_path, "good", HEADER + entry_source("good", [("Good theorem", "fine", "holds")]))
    r = cli_box.run(["verify", "--no-progress", "--plugin", name, "--plugin", "good", "--only", "good"],
                    cwd=str(tmp_path))
    assert_clean(r, 1)
    assert r.stderr.splitlines() == [r.stderr.strip()], r.describe()  # one line
    assert r.stderr.startswith(f"ufmtheory verify: warning: plugin {name} (--plugin {name}) not loaded: ")
    assert reason in r.stderr, r.describe()
    assert f"plugin {name} — 0 holds" not in r.stdout
    assert f"plugin {name} — 1 failure" in r.stdout and "  fails  the plugin loads" in r.stdout, r.describe()
    assert "Good theorem — 1 holds" in r.stdout and "2 claims: 1 holds, 1 failure" in r.stdout, r.describe()
    # what a broken plugin registered before failing is removed again
    r = cli_box.run(["verify", "--plugin", name, "--list"], cwd=str(tmp_path))
    assert_clean(r, 0)
    assert "before_clash" not in r.stdout and "[--plugin" not in r.stdout, r.describe()


def test_a_plugin_check_that_raises_is_a_failing_row(cli_box, tmp_path):
    write(tmp_path, "crashes", HEADER + "register(TheoremEntry('crash', 'Crashing check', 'it crashes', 'notes', "
                                        "lambda **_: True, lambda opts: 1 / 0, label='My label'))\n")
    r = cli_box.run(["verify", "--no-progress", "--plugin", "crashes", "--only", "crash", "--json"], cwd=str(tmp_path))
    assert_clean(r, 1)
    (row,) = json.loads(r.stdout)["rows"]
    assert (row["key"], row["theorem"], row["verdict"]) == ("crash", "My label", "fails")
    assert row["evidence"] == "check raised ZeroDivisionError: division by zero"


@pytest.mark.parametrize("plugin, names", [
    ("no_such_module_xyz", "--plugin no_such_module_xyz: no module named 'no_such_module_xyz'"),
    ("no_such_pkg_xyz.sub", "--plugin no_such_pkg_xyz.sub: no module named"),
    ("missing.py", "--plugin missing.py: no file missing.py"),
])
def test_plugin_that_does_not_exist_is_a_usage_error(cli_box, tmp_path, plugin, names):
    r = cli_box.run(["verify", "--plugin", plugin, "--only", "zhu_l1"], cwd=str(tmp_path))
    assert_clean(r, 2)
    errors = [line for line in r.stderr.splitlines() if line.startswith("ufmtheory verify: error:")]
    assert len(errors) == 1 and names in errors[0], r.describe()
    assert r.stdout == ""


def test_unknown_key_names_the_plugins_that_did_not_load(cli_box, tmp_path):
    write(tmp_path, "broken", "raise ImportError('no GPU')\n")
    r = cli_box.run(["verify", "--plugin", "broken", "--only", "mine"], cwd=str(tmp_path))
    assert_clean(r, 2)
    error = next(line for line in r.stderr.splitlines() if line.startswith("ufmtheory verify: error:"))
    assert "unknown theorem key(s) ['mine']" in error and "plugin broken (--plugin broken) not loaded: " \
           "ImportError: no GPU" in error, r.describe()


# ---------------------------------------------------------------- entry points (in process)

@pytest.fixture
def only_fake_registry(monkeypatch):
    """REGISTRY holding one built-in-like entry 'fake' (restored afterwards), no plugin failures yet."""
    saved = dict(REGISTRY)
    REGISTRY.clear()
    REGISTRY["fake"] = TheoremEntry("fake", "Fake", "fake", "test", lambda **_: True,
                                    lambda opts: [CheckRow("Fake theorem", "fake claim", "p", "holds", "e")])
    monkeypatch.setattr(plugins, "FAILURES", [])
    yield
    REGISTRY.clear()
    REGISTRY.update(saved)


def test_entry_points_register_modules_and_functions(monkeypatch, tmp_path, capsys, only_fake_registry):
    write(tmp_path, "ep_module", HEADER + entry_source("ep_mod", [("EP theorem", "from a module", "holds")]))
    write(tmp_path, "ep_function", HEADER + "def setup():\n    " + entry_source("ep_fun", [
        ("EP theorem", "from a function", "certified")]))
    write(tmp_path, "ep_broken", "raise OSError('cannot read the table')\n")
    for mod in ("ep_module", "ep_function", "ep_broken"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [importlib.metadata.EntryPoint("one", "ep_module", plugins.GROUP),
           importlib.metadata.EntryPoint("two", "ep_function:setup", plugins.GROUP),
           importlib.metadata.EntryPoint("three", "ep_broken", plugins.GROUP)]
    monkeypatch.setattr(plugins.importlib.metadata, "entry_points",
                        lambda group: [ep for ep in eps if ep.group == group])
    failures = plugins.load_entry_points()
    assert [(f.name, f.reason) for f in failures] == [("three", "OSError: cannot read the table")]
    assert REGISTRY["ep_mod"].origin == "plugin one = ep_module, from unknown distribution"
    assert REGISTRY["ep_fun"].origin == "plugin two = ep_function:setup, from unknown distribution"
    assert REGISTRY["fake"].origin == "built-in"

    # a full run: the broken installed plugin is a failing row (so CI notices) …
    assert main(["verify", "--no-progress", "--json"]) == 1
    out, err = capsys.readouterr()
    assert err == ("ufmtheory verify: warning: plugin three (plugin three = ep_broken, from unknown distribution) "
                   "not loaded: OSError: cannot read the table\n")
    assert [(d["key"], d["theorem"], d["verdict"]) for d in json.loads(out)["rows"]] == [
        ("fake", "Fake theorem", "holds"), ("ep_fun", "EP theorem", "certified"), ("ep_mod", "EP theorem", "holds"),
        ("plugin:three", "plugin three", "fails")]
    # … while --only runs what it names and only warns about it
    assert main(["verify", "--no-progress", "--json", "--only", "ep_mod"]) == 0
    out, err = capsys.readouterr()
    assert [d["key"] for d in json.loads(out)["rows"]] == ["ep_mod"] and "plugin three" in err


# ---------------------------------------------------------------- the example package, installed

@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """examples/ufmtheory-zhu-margin installed with pip into a fresh folder (a copy of the sources is
    built, so that no build files land in the repository); PYTHONPATH for a subprocess that sees it."""
    tmp = tmp_path_factory.mktemp("example")
    src, site = tmp / "src", tmp / "site"
    shutil.copytree(EXAMPLE, src)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
                        "--quiet", "--target", str(site), str(src)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, ("pip could not install the example plugin (the test extra provides setuptools "
                               f"and wheel):\n{r.stdout}\n{r.stderr}")
    path = os.pathsep.join([str(site), str(ROOT)] + os.environ.get("PYTHONPATH", "").split(os.pathsep))
    return site, dict(os.environ, PYTHONPATH=path.rstrip(os.pathsep))


def _ufmtheory(env, *argv, cwd):
    return subprocess.run([sys.executable, "-m", "ufmtheory", *argv], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_example_plugin_is_discovered_through_its_entry_point(example_site, tmp_path):
    site, env = example_site
    # a fresh interpreter sees the distribution and its entry point
    r = subprocess.run([sys.executable, "-c", "import importlib.metadata as m; "
                        "print([(e.name, e.value, e.dist.name) for e in m.entry_points(group='ufmtheory.theorems')])"],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert r.returncode == 0 and "('zhu_margin', 'ufmtheory_zhu_margin', 'ufmtheory-zhu-margin')" in r.stdout, r

    r = _ufmtheory(env, "verify", "--no-progress", "--only", "zhu_margin", "--junit-xml", "report.xml", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r
    lines = r.stdout.splitlines()
    assert lines[0] == "Zhu et al. 2021 margin — 1 holds", r.stdout
    assert lines[1].startswith("  holds  the optimal DNC margin is t* = log(1/√(nλ_Wλ_H) − K + 1)"), r.stdout
    assert "engine = closed form to " in r.stdout and "(30 required)" in r.stdout
    assert "1 claim: 1 holds, 0 failures" in r.stdout
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    (case,) = suite.findall("testcase")
    assert suite.get("name") == "zhu_margin" and case.get("classname") == "zhu_margin"
    assert case.find("failure") is None and {p.get("name"): p.get("value") for p in case.iter("property")}[
        "verdict"] == "holds"

    r = _ufmtheory(env, "verify", "--list", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "", r
    assert "[plugin zhu_margin = ufmtheory_zhu_margin, from ufmtheory-zhu-margin 0.1.0]" in " ".join(r.stdout.split())


def test_example_plugin_fails_when_the_engine_disagrees(example_site, tmp_path):
    """The example's check can fail: with the closed form off by one part in 10^40, 30 digits still
    agree (holds) but 60 do not (fails, exit 1)."""
    site, env = example_site
    write(tmp_path, "perturb", textwrap.dedent("""\
        import mpmath
        import ufmtheory_zhu_margin as z
        from ufmtheory.theorems import TheoremEntry, register
        register(TheoremEntry("zhu_margin_perturbed", "perturbed", "perturbed", "test", lambda **_: True, z.check))
        _margin = z.margin
        z.margin = lambda *a: _margin(*a) * (1 + mpmath.mpf(10) ** -40)
        """))
    for dps, status, verdict in ((30, 0, "holds"), (60, 1, "fails")):
        r = _ufmtheory(env, "verify", "--no-progress", "--plugin", "perturb", "--only", "zhu_margin_perturbed",
                       "--json", "--dps", str(dps), cwd=tmp_path)
        assert r.returncode == status and "Traceback" not in r.stderr, r
        (row,) = json.loads(r.stdout)["rows"]
        assert row["verdict"] == verdict, row
