"""What the grader keeps in the user's cache folder: compiled templates (and font lists, test_fontcache.py)."""

from __future__ import annotations

from grader.files import user_cache
from grader.i18n import translator
from grader.reports import templating


def test_the_cache_folder_follows_xdg_cache_home_and_else_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache("jinja2") == tmp_path / "xdg" / "gd-autograder" / "jinja2"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache("jinja2") == tmp_path / "home" / ".cache" / "gd-autograder" / "jinja2"


def test_a_template_compiled_once_is_read_back_not_compiled_again(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = templating.environment.__wrapped__  # not the environment this process made before, whose cache is elsewhere
    fresh(translator()).get_template("audit.md.j2")
    assert len(list(user_cache("jinja2").iterdir())) == 1, "compiled and kept"
    again = fresh(translator())
    compiled = []
    monkeypatch.setattr(again, "compile", lambda *args, **kwargs: compiled.append(args))
    again.get_template("audit.md.j2")
    assert compiled == [], "read from the cache, not compiled again"


def test_a_cache_folder_that_cannot_be_made_means_no_cache_not_a_failure(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    user_cache("jinja2").parent.mkdir(parents=True)
    user_cache("jinja2").write_text("a file where the folder would go")
    assert templating._compiled_templates() is None
