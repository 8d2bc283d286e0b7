from __future__ import annotations

import time

import jwt

from tests.conftest import PASSWORD, TEST_SECRET, assert_problem


def login(client, email: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_login_returns_bearer_jwt_with_claims(client, staff):
    resp = login(client, "ADMIN@example.mx")  # e-mail is case-insensitive
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 3600
    claims = jwt.decode(
        body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="uanl-api"
    )
    assert claims["sub"] == str(staff.admin.id)
    assert claims["role"] == "admin"
    assert claims["exp"] - claims["iat"] <= 3600
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "admin@example.mx"
    assert "password_hash" not in me.json()


def test_wrong_password_and_unknown_user_are_401(client, staff):
    assert_problem(login(client, "admin@example.mx", "nope-Nope-123"), 401)
    assert_problem(login(client, "nobody@example.mx"), 401)


def test_missing_form_fields_is_422(client, staff):
    resp = client.post("/api/v1/auth/token", data={"username": "admin@example.mx"})
    assert_problem(resp, 422, "password")


def test_expired_and_tampered_tokens_are_401_with_www_authenticate(client, staff):
    now = int(time.time())
    expired = jwt.encode(
        {
            "sub": str(staff.admin.id),
            "role": "admin",
            "iat": now - 7200,
            "exp": now - 3600,
            "iss": "uanl-service-desk",
            "aud": "uanl-api",
            "typ": "access",
        },
        TEST_SECRET,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {
            "sub": str(staff.admin.id),
            "role": "admin",
            "iat": now,
            "exp": now + 600,
            "iss": "uanl-service-desk",
            "aud": "uanl-api",
            "typ": "access",
        },
        "another-secret-" * 4,
        algorithm="HS256",
    )
    none_alg = jwt.encode(
        {"sub": str(staff.admin.id), "role": "admin", "iat": now, "exp": now + 600},
        None,
        algorithm="none",
    )
    for token in (expired, forged, none_alg, "garbage"):
        resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(resp, 401)
        assert resp.headers["www-authenticate"] == "Bearer"
    assert (
        "expired"
        in client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"}).json()[
            "detail"
        ]
    )


def test_refresh_rotates_and_reuse_revokes_family(client, staff):
    first = login(client, "oper@example.mx").json()
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    new = second.json()
    assert new["refresh_token"] != first["refresh_token"]
    assert (
        client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {new['access_token']}"}
        ).status_code
        == 200
    )
    # Replaying the old refresh token is theft: it fails and kills the newer one too.
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401
    )
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]}), 401
    )


def test_logout_revokes_refresh_token(client, staff):
    tokens = login(client, "sup@example.mx").json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        client.post(
            "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=headers
        ).status_code
        == 204
    )
    assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401
    )


def test_deactivated_operator_token_stops_working(client, staff, admin_h, op_h):
    assert client.get("/api/v1/auth/me", headers=op_h).status_code == 200
    assert (
        client.delete(f"/api/v1/operators/{staff.operator.id}", headers=admin_h).status_code == 204
    )
    assert_problem(client.get("/api/v1/auth/me", headers=op_h), 401)
    assert_problem(login(client, "oper@example.mx"), 401)


def test_login_rehashes_a_password_stored_with_older_argon2_parameters(client, staff):
    from pwdlib import PasswordHash
    from sqlalchemy import select

    from uanl.core import db as dbmod
    from uanl.core.security import ARGON2_MEMORY_KIB
    from uanl.models import Operator

    old = PasswordHash.recommended().hash(PASSWORD)  # m=65536,t=3,p=4
    assert "m=65536" in old
    with dbmod.session_scope() as db:
        db.get(Operator, staff.operator.id).password_hash = old
    assert login(client, "oper@example.mx").status_code == 200
    with dbmod.session_scope() as db:
        stored = db.execute(
            select(Operator.password_hash).where(Operator.id == staff.operator.id)
        ).scalar_one()
    assert stored != old
    assert f"m={ARGON2_MEMORY_KIB},t=2,p=1" in stored
    assert login(client, "oper@example.mx").status_code == 200  # the new hash verifies
    assert_problem(login(client, "oper@example.mx", "nope-Nope-123"), 401)
