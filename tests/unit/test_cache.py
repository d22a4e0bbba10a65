from counterpoint.cache import DiskCache


def test_values_round_trip(tmp_path):
    cache = DiskCache(tmp_path / "c")
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1} and cache.enabled


def test_an_unusable_cache_degrades_to_no_cache_with_a_warning(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = DiskCache(blocker)
    assert not cache.enabled
    assert cache.warning and "turned off" in cache.warning
    cache.set("k", 1)  # does nothing, raises nothing
    assert cache.get("k") is None


def test_a_corrupt_database_degrades_too(tmp_path):
    cache = DiskCache(tmp_path / "c")
    cache.set("k", 1)
    cache.close()
    (tmp_path / "c" / "cache.db").write_bytes(b"this is not sqlite" * 100)
    broken = DiskCache(tmp_path / "c")
    assert broken.get("k") is None
    assert not broken.enabled and broken.warning
