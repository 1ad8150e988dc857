"""``orderbot rotate-key`` and ``orderbot token --revoke`` as an operator runs them: real processes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jwt

from tests.e2e.test_cli import ORDERBOT, Server, _env, _request, data_dir  # noqa: F401 - data_dir is a fixture

NEW_KEY = "rotated-" + "n" * 40


def _run(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ORDERBOT, *args], env=_env(data, **env), capture_output=True, text=True, timeout=60, check=False
    )


def test_rotate_key_reseals_every_shop_and_the_old_key_can_then_go(data_dir: Path) -> None:  # noqa: F811
    added = _run(data_dir, "shop", "add", "--name", "Bean There", "--shopify-secret", "shpss_rotate-me")
    assert added.returncode == 0, added.stderr
    shop = json.loads(added.stdout)
    old_key = (data_dir / "secret.key").read_text().strip()  # no ORDERBOT_SECRET_KEY: the data dir's key

    rotating = {"ORDERBOT_SECRET_KEY": NEW_KEY, "ORDERBOT_OLD_SECRET_KEYS": old_key}
    listed = _run(data_dir, "shop", "list", **rotating)  # mid-rotation both keys read
    assert [s["webhook_secret"] for s in json.loads(listed.stdout)] == [shop["webhook_secret"]]

    rotated = _run(data_dir, "rotate-key", **rotating)
    assert rotated.returncode == 0, rotated.stderr
    assert "resealed 1 of 1 shops" in rotated.stderr
    assert "resealed 0 of 1 shops" in _run(data_dir, "rotate-key", **rotating).stderr

    new_only = _run(data_dir, "shop", "list", ORDERBOT_SECRET_KEY=NEW_KEY)
    assert new_only.returncode == 0, new_only.stderr
    assert [s["webhook_secret"] for s in json.loads(new_only.stdout)] == [shop["webhook_secret"]]
    old_only = _run(data_dir, "shop", "list")  # the data dir's key alone no longer opens them
    assert old_only.returncode == 1
    assert "not ORDERBOT_SECRET_KEY or one of ORDERBOT_OLD_SECRET_KEYS" in old_only.stderr
    assert "Traceback" not in old_only.stderr


def test_token_revoke_by_token_or_jti_is_refused_by_the_running_server(data_dir: Path) -> None:  # noqa: F811
    server = Server(data_dir)
    try:
        shop = json.loads(_run(data_dir, "shop", "add", "--name", "Bean There").stdout)
        tokens = [_run(data_dir, "token", "--shop", shop["shop_id"]).stdout.strip() for _ in range(3)]
        stats = f"{server.base}/api/v1/orders/stats"
        for token in tokens:
            assert _request(stats, headers={"Authorization": f"Bearer {token}"})[0] == 200

        by_token = _run(data_dir, "token", "--revoke", tokens[0])
        jti = jwt.decode(tokens[1], options={"verify_signature": False})["jti"]
        by_jti = _run(data_dir, "token", "--revoke", jti)
        assert (by_token.returncode, by_jti.returncode) == (0, 0), by_token.stderr + by_jti.stderr
        assert by_token.stdout == by_jti.stdout == ""
        assert f"revoked token {jti}" in by_jti.stderr
        assert "already revoked" in _run(data_dir, "token", "--revoke", jti).stderr

        status = [_request(stats, headers={"Authorization": f"Bearer {token}"}) for token in tokens]
        assert [code for code, _ in status] == [401, 401, 200]
        assert status[0][1]["error"]["message"] == "token revoked"
    finally:
        server.stop()

    neither = _run(data_dir, "token")
    assert neither.returncode == 2
    assert "--shop" in neither.stderr and "--revoke" in neither.stderr
