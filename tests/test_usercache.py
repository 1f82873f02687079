"""The private per-user cache, and the locale catalogues kept in it.

A cache entry is only ever a faster way to the same result: a stale, corrupt or foreign entry
reads as "not cached", the directory must be ours alone, and an entry is replaced whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.i18n import messages, usercache

KEY = usercache.digest("test", "key")


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache directory of the test's own; the catalogues loaded afresh before and after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(folder))
    messages.catalogue.cache_clear()
    yield folder
    messages.catalogue.cache_clear()


def test_an_entry_reads_back_only_for_its_key(cache: Path) -> None:
    assert usercache.read("thing", KEY) is None  # nothing yet
    assert usercache.write("thing", KEY, b"payload")
    assert usercache.read("thing", KEY) == b"payload"
    assert usercache.read("thing", usercache.digest("test", "other key")) is None  # stale
    assert usercache.read("other", KEY) is None
    # the directory is private, the entry too, and no temporary file is left behind
    assert cache.stat().st_mode & 0o777 == 0o700
    assert (cache / "thing").stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in cache.iterdir()) == ["thing"]


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:-1],                                   # cut short
    lambda raw: raw[:-3] + bytes([raw[-3] ^ 0x20]) + raw[-2:],  # one bit of the payload
    lambda raw: raw[:30] + bytes([raw[30] ^ 0x01]) + raw[31:],  # one bit of the key
    lambda raw: b"",
    lambda raw: b"\xff" * len(raw),
    lambda raw: raw + b"more",
])
def test_a_damaged_entry_reads_as_missing(cache: Path, damage: object) -> None:
    usercache.write("thing", KEY, b"some payload bytes")
    path = cache / "thing"
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert usercache.read("thing", KEY) is None


def test_an_entry_is_replaced_whole(cache: Path) -> None:
    # Given a reader that opened the old entry
    usercache.write("thing", KEY, b"old" * 1000)
    with open(cache / "thing", "rb") as old:
        # When a new entry is written
        usercache.write("thing", KEY, b"new")
        # Then the reader still sees the whole old file (a rename, not a rewrite in place)
        assert old.read().endswith(b"old" * 1000)
    assert usercache.read("thing", KEY) == b"new"


def test_an_unsafe_directory_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A symlink to a directory is not used (someone else may have planted it)...
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv(usercache.ENV_VAR, str(link))
    assert usercache.directory() is None
    assert not usercache.write("thing", KEY, b"x") and usercache.read("thing", KEY) is None
    assert list(real.iterdir()) == []
    # ... nor a file in its place
    spot = tmp_path / "file"
    spot.write_text("not a directory")
    monkeypatch.setenv(usercache.ENV_VAR, str(spot))
    assert usercache.directory() is None
    # ... nor a directory of ours that others may read or write, which is left as it was
    for mode in (0o777, 0o755, 0o1777, 0o710):
        shared = tmp_path / f"shared-{mode:o}"
        shared.mkdir()
        shared.chmod(mode)
        monkeypatch.setenv(usercache.ENV_VAR, str(shared))
        assert usercache.directory() is None
        assert shared.stat().st_mode & 0o7777 == mode and list(shared.iterdir()) == []
    # ... while a missing one is created private (its parents too)
    fresh = tmp_path / "new" / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(fresh))
    assert usercache.directory() == fresh and fresh.stat().st_mode & 0o777 == 0o700


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(usercache.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert usercache.directory() == tmp_path / "xdg" / "preflight"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert usercache.directory() == tmp_path / "home" / ".cache" / "preflight"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert usercache.directory() == tmp_path / "home" / ".cache" / "preflight"
    assert (tmp_path / "home" / ".cache" / "preflight").stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv(usercache.ENV_VAR, str(tmp_path / "chosen"))
    assert usercache.directory() == tmp_path / "chosen"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory to another user")
def test_another_users_directory_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    monkeypatch.setenv(usercache.ENV_VAR, str(theirs))
    assert usercache.directory() is None


def test_a_directory_others_can_change_above_the_cache_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a private cache directory of ours inside a directory anybody may write (not sticky):
    # someone else could rename it away and put their own in its place
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    (open_dir / "cache").mkdir(mode=0o700)
    monkeypatch.setenv(usercache.ENV_VAR, str(open_dir / "cache"))
    # Then it is no cache, and nothing is created below a fresh one there either
    assert usercache.directory() is None
    monkeypatch.setenv(usercache.ENV_VAR, str(open_dir / "fresh" / "cache"))
    assert usercache.directory() is None and not (open_dir / "fresh").exists()
    # while a sticky one (like /tmp) keeps others from renaming what is ours
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    monkeypatch.setenv(usercache.ENV_VAR, str(sticky / "cache"))
    assert usercache.directory() == sticky / "cache"


def test_a_directory_swapped_after_the_check_is_not_read(cache: Path) -> None:
    # Given the cache in use (checked once per process)
    assert usercache.write("thing", KEY, b"ours")
    # When its path is made to lead to another directory with a well-formed planted entry
    cache.rename(cache.parent / "moved")
    planted = cache.parent / "planted"
    planted.mkdir()
    planted.chmod(0o777)
    (planted / "thing").write_bytes(b"".join((
        usercache.MAGIC, KEY.encode(), b"\n", hashlib.sha256(b"theirs").hexdigest().encode(), b"\n", b"theirs")))
    cache.symlink_to(planted)
    # Then the process keeps using the directory it checked, never the new one
    assert usercache.read("thing", KEY) == b"ours"
    assert usercache.write("other", KEY, b"x") and not (planted / "other").exists()


def test_an_entry_that_is_a_hard_link_or_writable_by_others_is_not_read(cache: Path) -> None:
    assert usercache.write("thing", KEY, b"payload")
    outside = cache.parent / "outside"
    os.link(cache / "thing", outside)  # the same bytes, changeable through another name
    assert usercache.read("thing", KEY) is None
    outside.unlink()
    assert usercache.read("thing", KEY) == b"payload"
    (cache / "thing").chmod(0o666)
    assert usercache.read("thing", KEY) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory to another user")
def test_root_with_another_users_home_neither_uses_nor_creates_a_cache_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given root run with HOME of alice (sudo -E), whose home holds a private cache of root's
    # own making that alice could swap for hers (she owns the directories above it)
    home = tmp_path / "alice"
    (home / ".cache" / "preflight").mkdir(parents=True, mode=0o700)
    os.chown(home, 65534, 65534)
    os.chown(home / ".cache", 65534, 65534)
    monkeypatch.delenv(usercache.ENV_VAR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    # Then root has no cache there
    assert usercache.directory() is None
    assert not usercache.write("thing", KEY, b"x")
    # and creates nothing in alice's home when her cache directory does not exist yet
    shutil.rmtree(home / ".cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    assert usercache.directory() is None and sorted(home.iterdir()) == []


# -- the catalogues --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_cached_catalogue_is_the_parsed_one(cache: Path, lang: str) -> None:
    parsed = messages.parse_catalogue(lang, messages.catalogue_sources(lang))
    assert messages.catalogue(lang) == parsed  # parsed, and kept
    assert (cache / f"catalogue-{lang}.json").is_file()
    messages.catalogue.cache_clear()
    assert messages.catalogue(lang) == parsed  # from the cache


def test_stale_or_corrupt_catalogue_is_parsed_again(cache: Path) -> None:
    parsed = messages.parse_catalogue("en", messages.catalogue_sources("en"))
    entry = "catalogue-en.json"
    wrong = {"checks": {}, "ui": {"report_title": "STALE"}}
    real_key = messages.catalogue_key("en", messages.catalogue_sources("en"))
    # Given an entry written for other source files (a file edited since: another key) ...
    edited = [(name, raw + b"\n# edited\n") for name, raw in messages.catalogue_sources("en")]
    assert messages.catalogue_key("en", edited) != real_key
    usercache.write(entry, messages.catalogue_key("en", edited), json.dumps(wrong).encode())
    # Then it is not used, and the right one replaces it
    assert messages.catalogue("en") == parsed
    assert usercache.read(entry, real_key) is not None
    # Given an entry for these files whose payload was damaged after it was written
    path = cache / entry
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"checks"', b'"chocks"', 1))
    messages.catalogue.cache_clear()
    assert messages.catalogue("en") == parsed
    # Given an intact entry for these files that is not a catalogue (a list, a missing table)
    for payload in (b"[]", b'{"checks": {}}', b'{"checks": [], "ui": {}}', b"not json"):
        usercache.write(entry, real_key, payload)
        messages.catalogue.cache_clear()
        assert messages.catalogue("en") == parsed


def test_the_key_covers_every_file(cache: Path) -> None:
    sources = messages.catalogue_sources("en")
    key = messages.catalogue_key("en", sources)
    assert messages.catalogue_key("ja", sources) != key
    assert messages.catalogue_key("en", sources[1:]) != key                    # a file removed
    assert messages.catalogue_key("en", [*sources, ("new.toml", b"")]) != key  # a file added
    renamed = [("x" + sources[0][0], sources[0][1]), *sources[1:]]
    assert messages.catalogue_key("en", renamed) != key


def _entry_point() -> str:
    found = shutil.which("preflight", path=str(Path(sys.executable).parent))
    assert found, "the preflight entry point is not installed next to this Python"
    return found


def test_render_ignores_a_damaged_cache(tmp_path: Path) -> None:
    # Given a saved report and a cache filled by one render
    report = tmp_path / "report.json"
    shutil.copy(Path(__file__).parent / "report" / "samples" / "full_report.json", report)
    env = {**os.environ, usercache.ENV_VAR: str(tmp_path / "cache")}

    def render(name: str) -> bytes:
        # The Markdown links the HTML file by the path given: the same relative path each time.
        folder = tmp_path / name
        folder.mkdir()
        subprocess.run([_entry_point(), "render", str(report), "--lang", "ja", "--html", "report.html",
                        "--markdown", "report.md"], cwd=folder, env=env, check=True, capture_output=True,
                       timeout=120)
        return (folder / "report.html").read_bytes() + (folder / "report.md").read_bytes()

    first = render("first")
    entries = sorted((tmp_path / "cache").iterdir())
    assert {"catalogue-en.json", "catalogue-ja.json"} <= {p.name for p in entries}
    assert any(p.name.startswith("template-") for p in entries)
    # When every entry is damaged (alternately cut short and overwritten with another's bytes)
    blobs = [p.read_bytes() for p in entries]
    for index, path in enumerate(entries):
        path.write_bytes(blobs[index][:-7] if index % 2 else blobs[(index + 1) % len(blobs)])
    # Then the next render writes the same bytes
    assert render("second") == first


def test_render_without_a_usable_cache_is_silent_and_the_same(tmp_path: Path) -> None:
    # Given a saved report rendered once with a working cache
    report = tmp_path / "report.json"
    shutil.copy(Path(__file__).parent / "report" / "samples" / "full_report.json", report)
    (tmp_path / "a-file").write_text("not a directory")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)

    def render(name: str, cache: Path) -> bytes:
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run([_entry_point(), "render", str(report), "--lang", "ja", "--html", "report.html",
                               "--markdown", "report.md"], cwd=folder, check=True, capture_output=True,
                              env={**os.environ, usercache.ENV_VAR: str(cache)}, timeout=120)
        # (the messages name the files by the same relative paths each time)
        return done.stdout + done.stderr + (folder / "report.html").read_bytes() + (folder / "report.md").read_bytes()

    first = render("cached", tmp_path / "cache")
    assert any((tmp_path / "cache").iterdir())
    # When the cache cannot be created (below a file) or is not safe (below a shared directory)
    # Then the render says nothing more and writes the same bytes, leaving no cache behind
    assert render("below-a-file", tmp_path / "a-file" / "cache") == first
    assert render("below-shared", shared / "cache") == first
    assert list(shared.iterdir()) == []
