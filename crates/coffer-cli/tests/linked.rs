//! `coffer providers`, `link`, `unlink`, `cache reset` and links used by
//! `get`, `run`, `inject` — against a real OpenBao dev server (see
//! coffer-core's `tests/linked.rs`; `make deps-linked` installs it). The
//! CLI tests hide the D-Bus session, so credentials are sealed in the vault.

#[path = "../../coffer-core/tests/linked/servers.rs"]
mod servers;

use serde_json::json;
use servers::Bao;

use crate::util::{assert_error, stderr, stdout, Env};

/// A vault with provider `bao` (root token read from a file).
fn with_provider(bao: &Bao) -> Env {
    let env = Env::new();
    let token_file = env.path("token");
    std::fs::write(&token_file, format!("{}\n", bao.root_token)).expect("write");
    let out = env.run(
        &[
            "providers",
            "add",
            "bao",
            "--kind",
            "vault",
            "--address",
            &bao.addr,
            "--token-file",
            token_file.to_str().expect("utf8"),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kept in the vault (sealed)"),
        "{}",
        stderr(&out)
    );
    env
}

#[test]
#[ignore = "needs OpenBao: `make deps-linked` (make test runs it)"]
fn link_get_list_and_unlink_through_the_cli() {
    let bao = Bao::start();
    bao.put_kv2(
        "app/db",
        json!({"password": "remote-pass", "user": "alice"}),
    );
    let env = with_provider(&bao);

    let out = link(
        &env,
        "db",
        "secret/app/db",
        "password",
        &["--domains", "db.example.com"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("linked db to bao secret/app/db#password"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.get("db"), "remote-pass");

    let list = env.list();
    assert_eq!(list[0]["linked"]["provider"], "bao");
    assert_eq!(list[0]["linked"]["location"], "secret/app/db#password");
    assert_eq!(list[0]["allowed_domains"], json!(["db.example.com"]));
    let text = stdout(&env.run(&["list"], b""));
    assert!(
        text.contains("linked to bao secret/app/db#password"),
        "{text}"
    );

    let out = env.run(&["providers", "list", "--json"], b"");
    let providers: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(providers[0]["name"], "bao");
    assert_eq!(providers[0]["kind"], "vault");
    assert_eq!(providers[0]["credentials"], "vault");
    assert_eq!(providers[0]["linked_secrets"], 1);
    for out in [
        out,
        env.run(&["providers", "list"], b""),
        env.run(&["list", "--json"], b""),
    ] {
        assert!(
            !stdout(&out).contains(&bao.root_token),
            "no credentials shown"
        );
    }

    // A local edit is refused, with the way out.
    let out = env.run(&["set", "db"], b"local");
    assert_error(&out, 1, "`coffer unlink db`");
    assert!(
        stderr(&out).contains("linked to provider \"bao\""),
        "{}",
        stderr(&out)
    );

    // Used by reference: inject fills it in; a missing key is reported with the others.
    let template = env.path("t.txt");
    std::fs::write(&template, "pw={{vault:db}} other={{vault:nothing}}").expect("write");
    let out = env.run(&["inject", "-i", template.to_str().expect("utf8")], b"");
    assert_error(&out, 1, "\"nothing\"");
    std::fs::write(&template, "pw={{vault:db}}").expect("write");
    let out = env.run(&["inject", "-i", template.to_str().expect("utf8")], b"");
    assert_eq!(stdout(&out), "pw=remote-pass");

    let out = link(&env, "gone", "secret/app/db", "user", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    bao.put_kv2("app/db", json!({"password": "remote-pass"}));
    std::fs::write(
        &template,
        "pw={{vault:db}} user={{vault:gone}} x={{vault:nothing}}",
    )
    .expect("write");
    let out = env.run(&["inject", "-i", template.to_str().expect("utf8")], b"");
    assert_error(
        &out,
        1,
        "\"gone\": it is linked, and provider \"bao\": secret/app/db has no key \"user\"",
    );
    assert!(
        stderr(&out).contains("\"nothing\": no secret has that name"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("remote-pass"), "{}", stderr(&out));

    let out = env.run(&["cache", "reset"], b"");
    assert!(out.status.success(), "{}", stderr(&out));

    // Removing the provider waits for its links to go.
    assert_error(
        &env.run(&["providers", "remove", "bao"], b""),
        1,
        "2 secrets are linked",
    );
    let out = env.run(&["unlink", "db"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    bao.put_kv2("app/db", json!({"password": "changed"}));
    assert_eq!(
        env.get("db"),
        "remote-pass",
        "the value at unlinking, now local"
    );
    let out = env.run(&["rm", "gone"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["providers", "remove", "bao"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_error(
        &env.run(&["get", "nothing-linked-here"], b""),
        1,
        "no secret named",
    );
}

/// `coffer link NAME --provider bao --path PATH --key KEY EXTRA…`.
fn link(env: &Env, name: &str, path: &str, key: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "link",
        name,
        "--provider",
        "bao",
        "--path",
        path,
        "--key",
        key,
    ];
    args.extend_from_slice(extra);
    env.run(&args, b"")
}

/// `coffer link --bulk FILE --provider bao`.
fn bulk(env: &Env, file: &std::path::Path) -> std::process::Output {
    env.run(
        &[
            "link",
            "--bulk",
            file.to_str().expect("utf8"),
            "--provider",
            "bao",
        ],
        b"",
    )
}

#[test]
#[ignore = "needs OpenBao: `make deps-linked` (make test runs it)"]
fn bulk_and_all_keys_link_many_at_once() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p", "user": "u"}));
    bao.put_kv2("app/api", json!({"token": "t"}));
    let env = with_provider(&bao);

    let out = env.run(
        &[
            "link",
            "--provider",
            "bao",
            "--path",
            "secret/app/db",
            "--all-keys",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.get("app/db/password"), "p");
    assert_eq!(env.get("app/db/user"), "u");

    let list_file = env.path("links.txt");
    std::fs::write(&list_file, "# name  path  key\napi-token secret/app/api token\ndb-user secret/app/db user  # a comment\n").expect("write");
    let out = bulk(&env, &list_file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.get("api-token"), "t");
    assert_eq!(env.get("db-user"), "u");

    // One bad line and nothing is linked.
    std::fs::write(
        &list_file,
        "a secret/app/api token\nb secret/app/api nope\n",
    )
    .expect("write");
    let out = bulk(&env, &list_file);
    assert_error(&out, 1, "has no key \"nope\"");
    assert_error(&env.run(&["get", "a"], b""), 1, "no secret named");
    std::fs::write(&list_file, "a secret/app/api\n").expect("write");
    let out = bulk(&env, &list_file);
    assert_error(&out, 2, "line 1: write SECRET MOUNT/PATH KEY");
    // Flags a bulk file does not use are refused, not ignored.
    let out = env.run(
        &[
            "link",
            "--bulk",
            list_file.to_str().expect("utf8"),
            "--provider",
            "bao",
            "--no-check",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
#[ignore = "needs OpenBao: `make deps-linked` (make test runs it)"]
fn provider_errors_say_what_to_do() {
    let mut bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p"}));
    let env = with_provider(&bao);
    let bad = env.path("bad-token");
    std::fs::write(&bad, "s.not-a-token").expect("write");
    let out = env.run(
        &[
            "providers",
            "add",
            "other",
            "--kind",
            "vault",
            "--address",
            &bao.addr,
            "--token-file",
            bad.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(&out, 1, "refused");
    assert!(!stderr(&out).contains("s.not-a-token"), "{}", stderr(&out));
    let out = env.run(
        &[
            "providers",
            "add",
            "x",
            "--kind",
            "vault",
            "--address",
            "http://vault.example.com:8200",
            "--token-file",
            bad.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(&out, 1, "must use https://");
    let out = env.run(
        &[
            "providers",
            "add",
            "x",
            "--kind",
            "vault",
            "--address",
            &bao.addr,
        ],
        b"",
    );
    assert_error(&out, 2, "--token-file FILE");
    let out = env.run(
        &[
            "link",
            "x",
            "--provider",
            "nope",
            "--path",
            "secret/app/db",
            "--key",
            "password",
        ],
        b"",
    );
    assert_error(&out, 1, "`coffer providers list`");

    let out = link(&env, "db", "secret/app/db", "password", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    bao.stop();
    let out = env.run(&["get", "db"], b"");
    assert_error(
        &out,
        1,
        "check the provider's address and that it is running",
    );
    // The policy can forbid linked secrets altogether (exit 4).
    let policy = env.path("policy.json");
    std::fs::write(
        &policy,
        r#"{"version": 1, "links": {"allowed_providers": []}}"#,
    )
    .expect("write");
    let out = env
        .cmd()
        .args(["get", "db"])
        .env("COFFER_POLICY_FILE", &policy)
        .output()
        .expect("run");
    assert_error(&out, 4, "links.allowed_providers");
}

#[test]
#[ignore = "needs OpenBao: `make deps-linked` (make test runs it)"]
fn an_export_carries_links_and_the_import_says_to_log_in() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p"}));
    let env = with_provider(&bao);
    let out = link(&env, "db", "secret/app/db", "password", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    env.set("local", "v");
    let file = env.path("export.json");
    let file_arg = file.to_str().expect("utf8");
    let out = env.run(
        &["export", "--format", "plaintext", "-o", file_arg, "--yes"],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exported 2 secrets"),
        "{}",
        stderr(&out)
    );
    let dotenv = env.path("export.env");
    let out = env.run(
        &[
            "export",
            "--format",
            "dotenv",
            "-o",
            dotenv.to_str().expect("utf8"),
            "--yes",
        ],
        b"",
    );
    assert!(
        stderr(&out).contains("1 linked secret was left out"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&dotenv)
            .expect("read")
            .matches('=')
            .count(),
        1
    );

    let other = Env::new();
    let out = other.run(&["import", file_arg], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("1 linked secret: the values stay in their providers"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "provider bao (vault at {}) is added without credentials",
            bao.addr
        )),
        "{text}"
    );
    assert_error(
        &other.run(&["get", "db"], b""),
        1,
        "`coffer providers login bao`",
    );
    let token_file = other.path("token");
    std::fs::write(&token_file, &bao.root_token).expect("write");
    let out = other.run(
        &[
            "providers",
            "login",
            "bao",
            "--token-file",
            token_file.to_str().expect("utf8"),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(other.get("db"), "p");
}

/// `coffer ARGS` with the AWS variables `vars` and no others.
fn aws_run(env: &Env, args: &[&str], vars: &[(&str, &std::path::Path)]) -> std::process::Output {
    let mut cmd = env.cmd();
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONFIG_FILE",
    ] {
        cmd.env_remove(name);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.args(args).output().expect("run")
}

#[test]
#[ignore = "needs moto: `make deps-linked` (make test runs it)"]
fn aws_keys_come_from_a_profile_or_the_environment() {
    let moto = servers::Moto::start();
    moto.create_secret("us-east-1", "app/stripe", r#"{"api_key":"sk_test_moto"}"#);
    let env = Env::new();
    let credentials = env.path("aws-credentials");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = no\n\n[coffer]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    )
    .expect("write");
    let no_config = env.path("no-aws-config");
    let files: [(&str, &std::path::Path); 2] = [
        ("AWS_SHARED_CREDENTIALS_FILE", &credentials),
        ("AWS_CONFIG_FILE", &no_config),
    ];
    let add = [
        "providers",
        "add",
        "dev",
        "--kind",
        "aws",
        "--region",
        "us-east-1",
        "--endpoint",
        &moto.endpoint,
        "--profile",
        "coffer",
    ];
    let out = aws_run(&env, &add, &files);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("keys read from the AWS profile coffer at each use"),
        "{}",
        stderr(&out)
    );
    let link = [
        "link",
        "stripe",
        "--provider",
        "dev",
        "--secret-id",
        "app/stripe",
        "--json-key",
        "api_key",
    ];
    let out = aws_run(&env, &link, &files);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = aws_run(&env, &["get", "stripe", "--no-newline"], &files);
    assert_eq!(stdout(&out), "sk_test_moto", "{}", stderr(&out));
    // Without the profile file, the profile is not found (and says which).
    let out = aws_run(&env, &["get", "stripe"], &[("AWS_CONFIG_FILE", &no_config)]);
    assert_error(&out, 1, "coffer");

    // Keys from the environment at `add` are kept; later commands need no variable.
    let id = env.path("id");
    let out = {
        let mut cmd = env.cmd();
        cmd.env("AWS_ACCESS_KEY_ID", "AKIDENV")
            .env("AWS_SECRET_ACCESS_KEY", "env-secret")
            .args([
                "providers",
                "add",
                "prod",
                "--kind",
                "aws",
                "--region",
                "us-east-1",
                "--endpoint",
                &moto.endpoint,
            ]);
        cmd.output().expect("run")
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AWS keys cannot be checked"),
        "{}",
        stderr(&out)
    );
    let out = aws_run(
        &env,
        &[
            "link",
            "stripe2",
            "--provider",
            "prod",
            "--secret-id",
            "app/stripe",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = aws_run(&env, &["providers", "list", "--json"], &[]);
    assert!(!stdout(&out).contains("env-secret"), "{}", stdout(&out));

    // Flags of the other kind are refused, not ignored.
    std::fs::write(&id, "x").expect("write");
    let out = aws_run(
        &env,
        &[
            "providers",
            "login",
            "prod",
            "--token-file",
            id.to_str().expect("utf8"),
        ],
        &[],
    );
    assert_error(&out, 2, "is an AWS provider");
    let out = aws_run(
        &env,
        &[
            "providers",
            "add",
            "x",
            "--kind",
            "aws",
            "--region",
            "us-east-1",
        ],
        &[],
    );
    assert_error(&out, 2, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
}

#[test]
#[ignore = "needs OpenBao: `make deps-linked` (make test runs it)"]
fn publish_writes_a_local_value_to_the_provider_and_links_it() {
    let bao = Bao::start();
    bao.put_kv2("team/db", json!({"user": "alice"}));
    let env = with_provider(&bao);
    env.set("db/password", "from-coffer");
    let out = env.run(
        &[
            "publish",
            "db/password",
            "--provider",
            "bao",
            "--path",
            "secret/team/db",
            "--key",
            "password",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("published db/password to bao secret/team/db#password"),
        "{}",
        stderr(&out)
    );
    let (_, read) = bao.api("GET", "secret/data/team/db", None);
    assert_eq!(
        read["data"]["data"],
        json!({"user": "alice", "password": "from-coffer"})
    );
    assert_eq!(env.list()[0]["linked"]["provider"], "bao");
    assert_eq!(env.get("db/password"), "from-coffer");
    let out = env.run(&["publish", "db/password", "--provider", "bao"], b"");
    assert_error(&out, 2, "say where to publish");
}
