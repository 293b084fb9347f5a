"""The suite itself: it writes only under temporary folders and uses only servers it started."""

from __future__ import annotations

import tempfile
from pathlib import Path

import redis
from django.conf import settings


def test_evidence_files_are_written_under_a_temporary_folder_not_the_checkout():
    root = Path(settings.EVIDENCE_ROOT).resolve()
    assert not root.is_relative_to(Path(settings.BASE_DIR).resolve())
    assert root.is_relative_to(Path(tempfile.gettempdir()).resolve())


def test_redis_url_is_a_private_server_in_a_temporary_folder(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.ping()
    # Not the machine's shared Redis: its own port, its files in this session's temporary folder.
    assert client.connection_pool.connection_kwargs["port"] != 6379
    folder = Path(client.config_get("dir")["dir"]).resolve()
    assert folder.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert client.config_get("save")["save"] == ""  # nothing written to disk
