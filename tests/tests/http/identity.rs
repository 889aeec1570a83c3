//! Identity (issue: identity, access and audit): sign-in, tokens, service accounts, users.

use jalin_tests::{on_both_databases, TestApp, ADMIN_PASSWORD, TEST_JWT_SECRET, USER_PASSWORD};
use serde_json::{json, Value};

fn me(app: &TestApp, token: &str) -> jalin_tests::Resp {
    app.req("GET", "/v1/me").bearer(token).send()
}

fn forge(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn admin_id(app: &TestApp) -> String {
    app.get_ok("/v1/me")["id"].as_str().unwrap().to_owned()
}

fn claims(sub: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": "jalin", "aud": "jalin-api", "sub": sub, "typ": "user", "iat": now, "exp": now + 600, "jti": "t", "cv": 1})
}

on_both_databases! {
    fn a_signed_in_user_sees_who_they_are(app) {
        let me = app.get_ok("/v1/me");
        assert_eq!(me["kind"], "user");
        assert_eq!(me["name"], "admin");
        assert_eq!(me["role"], "admin");
        assert_eq!(me["region_code"], Value::Null);
        assert!(me["permissions"].as_array().unwrap().iter().any(|p| p["action"] == "users:write" && p["scope"] == "all"));
        let r = app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "ADMIN", "password": ADMIN_PASSWORD})).send();
        assert_eq!(r.status, 200, "usernames are case-insensitive");
        let t = r.json();
        assert_eq!(t["token_type"], "Bearer");
        assert_eq!(t["expires_in"], 3600);
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }

    fn endpoints_need_a_token(app) {
        let r = app.req("GET", "/v1/regions").anonymous().send();
        r.problem(401, "authentication_required");
        assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
        app.req("GET", "/v1/me").anonymous().send().problem(401, "authentication_required");
        app.req("GET", "/v1/me").header("Authorization", "Basic YWRtaW46eA==").anonymous().send()
            .problem(401, "authentication_required");
        // Health and the contract stay public.
        assert_eq!(app.req("GET", "/health/ready").anonymous().send().status, 200);
        assert_eq!(app.req("GET", "/openapi.json").anonymous().send().status, 200);
    }

    /// The same answer, whether the user exists or not: nothing tells which.
    fn a_wrong_password_and_an_unknown_user_get_the_same_answer(app) {
        let wrong = app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "admin", "password": "not the password"})).send();
        let unknown = app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "nobody-here", "password": "not the password"})).send();
        let (a, b) = (wrong.problem(401, "invalid_credentials"), unknown.problem(401, "invalid_credentials"));
        assert_eq!(a["title"], b["title"]);
        assert_eq!(a["detail"], b["detail"]);
    }

    fn repeated_failures_are_throttled_with_retry_after(app) with [("JALIN_LOGIN_MAX_FAILURES", "3")] {
        for _ in 0..3 {
            app.req("POST", "/v1/auth/login").anonymous()
                .json(&json!({"username": "admin", "password": "guess guess guess"})).send()
                .problem(401, "invalid_credentials");
        }
        // Locked out: even the right password waits.
        let r = app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD})).send();
        r.problem(429, "rate_limited");
        let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=900).contains(&wait));
        // Per address too: many usernames from one address (4 × 3 failures).
        for i in 0..12 {
            let r = app.req("POST", "/v1/auth/login").anonymous()
                .json(&json!({"username": format!("spray{i}"), "password": "guess guess guess"})).send();
            assert!(r.status == 401 || r.status == 429);
        }
        app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "fresh-name", "password": "guess guess guess"})).send()
            .problem(429, "rate_limited");
    }

    fn forged_expired_and_foreign_tokens_are_refused(app) {
        let sub = admin_id(app);
        // The right secret and claims work: the checks below fail for their one reason.
        assert_eq!(me(app, &forge(&claims(&sub), TEST_JWT_SECRET)).status, 200);

        let wrong_key = forge(&claims(&sub), "another-secret-another-secret-0123456789");
        me(app, &wrong_key).problem(401, "invalid_token");

        let mut expired = claims(&sub);
        expired["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
        me(app, &forge(&expired, TEST_JWT_SECRET)).problem(401, "invalid_token");

        let mut audience = claims(&sub);
        audience["aud"] = json!("another-api");
        me(app, &forge(&audience, TEST_JWT_SECRET)).problem(401, "invalid_token");

        let mut issuer = claims(&sub);
        issuer["iss"] = json!("someone-else");
        me(app, &forge(&issuer, TEST_JWT_SECRET)).problem(401, "invalid_token");

        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = b64.encode(claims(&sub).to_string());
        let none = format!("{}.{payload}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#));
        me(app, &none).problem(401, "invalid_token");

        // A real token whose payload was edited (another subject) no longer verifies.
        let real = app.admin_token.clone();
        let parts: Vec<&str> = real.split('.').collect();
        let mut body: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        body["sub"] = json!("someone-else");
        let tampered = format!("{}.{}.{}", parts[0], b64.encode(body.to_string()), parts[2]);
        me(app, &tampered).problem(401, "invalid_token");

        me(app, "not-a-jwt").problem(401, "invalid_token");
        me(app, &forge(&claims("no-such-user"), TEST_JWT_SECRET)).problem(401, "invalid_token");
    }

    /// Disabling a user takes effect on their next request, token or not.
    fn a_disabled_user_is_refused_at_once(app) {
        let (id, token) = app.user("budi", "viewer", Some("33"));
        assert_eq!(me(app, &token).status, 200);
        let etag = app.get(&format!("/v1/users/{id}")).header("etag").unwrap().to_owned();
        let r = app.req("PATCH", &format!("/v1/users/{id}")).header("If-Match", &etag).json(&json!({"active": false})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        me(app, &token).problem(401, "invalid_token");
        app.req("POST", "/v1/auth/login").anonymous().json(&json!({"username": "budi", "password": USER_PASSWORD})).send()
            .problem(401, "invalid_credentials");
    }

    fn a_role_without_the_permission_gets_403(app) {
        let (_, viewer) = app.user("vera", "viewer", Some("33"));
        app.req("GET", "/v1/users").bearer(&viewer).send().problem(403, "forbidden");
        app.req("GET", "/v1/audit-events").bearer(&viewer).send().problem(403, "forbidden");
        app.req("POST", "/v1/users").bearer(&viewer)
            .json(&json!({"username": "x-user", "display_name": "x", "password": "long enough pw", "role": "viewer", "region_code": "33"}))
            .send().problem(403, "forbidden");
        assert_eq!(app.req("GET", "/v1/regions/33").bearer(&viewer).send().status, 200);
    }

    fn users_are_created_validated_and_changed_with_if_match(app) {
        let r = app.req("POST", "/v1/users").header("X-Request-Id", "create-siti")
            .json(&json!({"username": "Siti.Rahayu", "display_name": "Siti Rahayu", "password": "her long passphrase",
                          "role": "province_officer", "region_code": "33"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let user = r.json();
        assert_eq!(user["username"], "siti.rahayu");
        assert!(user.get("password").is_none() && user.get("password_hash").is_none());
        let id = user["id"].as_str().unwrap().to_owned();
        assert_eq!(r.header("location"), Some(format!("/v1/users/{id}").as_str()));
        let etag = r.header("etag").unwrap().to_owned();

        app.req("POST", "/v1/users").json(&json!({"username": "siti.rahayu", "display_name": "Dup", "password": "another long one",
            "role": "viewer", "region_code": "33"})).send().problem(409, "username_taken");
        // Each refused account, with the first issue's field and what it says.
        for (username, password, role, region, field, says) in [
            ("prov", "another long one", "province_officer", "33.74", "pointer", "/region_code"),
            ("central", "another long one", "central_reviewer", "33", "code", "role_region_mismatch"),
            ("short", "short", "viewer", "33", "pointer", "/password"),
            ("nowhere", "another long one", "viewer", "99.99", "code", "unknown_region"),
        ] {
            let body = json!({"username": username, "display_name": username, "password": password,
                "role": role, "region_code": region});
            let p = app.req("POST", "/v1/users").json(&body).send().problem(422, "validation_failed");
            assert_eq!(p["errors"][0][field], says, "{username}: {p}");
        }

        let path = format!("/v1/users/{id}");
        app.req("PATCH", &path).json(&json!({"display_name": "x"})).send().problem(428, "if_match_required");
        let ok = app.req("PATCH", &path).header("If-Match", &etag).json(&json!({"display_name": "Siti Rahayu, S.IP."})).send();
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.json()["display_name"], "Siti Rahayu, S.IP.");
        app.req("PATCH", &path).header("If-Match", &etag).json(&json!({"display_name": "lost"})).send()
            .problem(412, "etag_mismatch");
        let fresh = app.get(&path).header("etag").unwrap().to_owned();
        let ok = app.req("PATCH", &path).header("If-Match", &fresh).json(&json!({"password": "a brand new passphrase"})).send();
        assert_eq!(ok.status, 200);
        app.login("siti.rahayu", "a brand new passphrase");

        // An admin cannot lock themselves out.
        let me_id = admin_id(app);
        let my_etag = app.get(&format!("/v1/users/{me_id}")).header("etag").unwrap().to_owned();
        app.req("PATCH", &format!("/v1/users/{me_id}")).header("If-Match", &my_etag).json(&json!({"active": false})).send()
            .problem(409, "cannot_lock_out_self");
        app.get("/v1/users/no-such-id").problem(404, "not_found");
    }

    fn service_accounts_get_scoped_tokens_by_client_credentials(app) {
        let r = app.req("POST", "/v1/service-accounts").header("Idempotency-Key", "siola-1")
            .json(&json!({"name": "SIOLA (Kemendagri)", "scopes": ["reference:read"]})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let created = r.json();
        let client_id = created["client_id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        let id = created["id"].as_str().unwrap().to_owned();
        // A retried create does not show the secret again.
        let replay = app.req("POST", "/v1/service-accounts").header("Idempotency-Key", "siola-1")
            .json(&json!({"name": "SIOLA (Kemendagri)", "scopes": ["reference:read"]})).send();
        assert_eq!(replay.status, 201);
        assert_eq!(replay.json()["client_secret"], Value::Null);
        assert_eq!(replay.json()["id"], created["id"]);
        // The secret is stored hashed, nowhere in the clear.
        assert!(!app.get(&format!("/v1/service-accounts/{id}")).body.contains(&secret));

        // Form (RFC 6749) and JSON.
        let form = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
        let t = app.req("POST", "/v1/auth/token").anonymous().body("application/x-www-form-urlencoded", form.into_bytes()).send();
        assert_eq!(t.status, 200, "{}", t.body);
        assert_eq!(t.json()["scope"], "reference:read");
        let token = t.json()["access_token"].as_str().unwrap().to_owned();
        let t2 = app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})).send();
        assert_eq!(t2.status, 200);

        let me = me(app, &token).json();
        assert_eq!(me["kind"], "service_account");
        assert_eq!(me["permissions"], json!([{"action": "reference:read", "scope": "all"}]));
        assert_eq!(app.req("GET", "/v1/countries/AU").bearer(&token).send().status, 200);
        app.req("GET", "/v1/users").bearer(&token).send().problem(403, "forbidden");

        app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"})).send()
            .problem(401, "invalid_client");
        let p = app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": "users:write"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "invalid_scope");
        app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "password", "client_id": client_id, "client_secret": secret})).send()
            .problem(422, "validation_failed");

        // Disabling, then deleting, takes effect on the next request.
        let path = format!("/v1/service-accounts/{id}");
        let etag = app.get(&path).header("etag").unwrap().to_owned();
        let r = app.req("PATCH", &path).header("If-Match", &etag).json(&json!({"active": false})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        app.req("GET", "/v1/countries/AU").bearer(&token).send().problem(401, "invalid_token");
        let etag = r.header("etag").unwrap().to_owned();
        let r = app.req("PATCH", &path).header("If-Match", &etag).json(&json!({"active": true})).send();
        // Re-enabled: the tokens of before stay revoked (issue #18), a new one works.
        app.req("GET", "/v1/countries/AU").bearer(&token).send().problem(401, "invalid_token");
        let token = app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})).send()
            .json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.req("GET", "/v1/countries/AU").bearer(&token).send().status, 200);
        app.req("DELETE", &path).send().problem(428, "if_match_required");
        let etag = r.header("etag").unwrap().to_owned();
        assert_eq!(app.req("DELETE", &path).header("If-Match", &etag).send().status, 204);
        app.req("GET", "/v1/countries/AU").bearer(&token).send().problem(401, "invalid_token");
        app.get(&path).problem(404, "not_found");
    }

    fn a_start_without_a_bootstrap_password_creates_no_user(app) with [("JALIN_BOOTSTRAP_ADMIN_PASSWORD", "")] {
        app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "admin", "password": "admin"})).send()
            .problem(401, "invalid_credentials");
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        assert_eq!(jalin_persistence::identity::count_users(&mut conn).unwrap(), 0);
    }
}
