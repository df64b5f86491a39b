//! `coffer run` and `coffer inject` on real processes: what reached the
//! program or the file, what its output showed, and what was refused.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{assert_error, stderr, stdout, Env};

const MASK: &str = "<concealed by coffer>";

fn with_secrets() -> Env {
    let env = Env::new();
    env.set("token", "sk_test_51Hx9");
    env.set("multi", "line one\nline two");
    let out = env.run(
        &["set", "stripe", "--domains", "api.stripe.com"],
        b"sk_live_only_stripe",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    env
}

/// `coffer run` with `vars` set in its environment, running `sh -c script`.
fn run_sh(env: &Env, flags: &[&str], vars: &[(&str, &str)], script: &str) -> std::process::Output {
    let mut cmd = env.cmd();
    cmd.arg("run").args(flags).args(["--", "sh", "-c", script]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run")
}

#[test]
fn references_in_the_environment_reach_the_program_and_its_output_is_masked() {
    let env = with_secrets();
    let seen = env.path("seen");
    let script = format!(
        "printenv TOKEN > '{0}'; printenv MULTI >> '{0}'; printenv PLAIN >> '{0}'; \
         echo \"out $TOKEN\"; echo \"err $MULTI\" >&2",
        seen.display()
    );
    let out = run_sh(
        &env,
        &[],
        &[
            ("TOKEN", "Bearer {{vault:token}}"),
            ("MULTI", "{{ vault:multi }}"),
            ("PLAIN", "no reference {{baseUrl}}"),
        ],
        &script,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // What the program got: exact values (a file is not masked).
    assert_eq!(
        std::fs::read_to_string(&seen).expect("seen"),
        "Bearer sk_test_51Hx9\nline one\nline two\nno reference {{baseUrl}}\n"
    );
    // What it showed: masked, on both streams, multi-line value included.
    assert_eq!(stdout(&out), format!("out Bearer {MASK}\n"));
    assert_eq!(stderr(&out), format!("err {MASK}\n"));
}

#[test]
fn a_value_split_across_writes_is_still_masked_and_no_masking_shows_it() {
    let env = with_secrets();
    let script = "printf 'a sk_test'; sleep 0.3; printf '_51Hx9 b\\n'";
    let out = run_sh(&env, &[], &[("T", "{{vault:token}}")], script);
    assert_eq!(stdout(&out), format!("a {MASK} b\n"));
    let out = run_sh(&env, &["--no-masking"], &[("T", "{{vault:token}}")], script);
    assert_eq!(stdout(&out), "a sk_test_51Hx9 b\n");
}

#[test]
fn the_program_exit_status_is_coffers_and_a_missing_program_is_127() {
    let env = with_secrets();
    let out = run_sh(&env, &[], &[("T", "{{vault:token}}")], "exit 7");
    assert_eq!(out.status.code(), Some(7));
    let out = run_sh(&env, &[], &[], "kill -TERM $$");
    assert_eq!(out.status.code(), Some(128 + 15));
    let out = env.run(&["run", "--", "no-such-program-coffer-test"], b"");
    assert_eq!(out.status.code(), Some(127));
    assert!(stderr(&out).contains("no such program"), "{}", stderr(&out));
    assert_error(
        &env.run(&["run"], b""),
        2,
        "name the program to run after --",
    );
}

#[test]
fn arguments_are_passed_as_they_are_and_stdin_is_the_programs() {
    let env = with_secrets();
    let out = env
        .cmd()
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "echo \"$1\"; cat",
            "sh",
            "{{vault:token}}",
        ])
        .write_stdin("from stdin\n")
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "{{vault:token}}\nfrom stdin\n");
}

#[test]
fn nothing_runs_unless_every_reference_resolves() {
    let env = with_secrets();
    let ran = env.path("ran");
    let script = format!("touch '{}'", ran.display());
    let out = run_sh(
        &env,
        &[],
        &[
            ("A", "{{vault:token}}"),
            ("B", "{{vault:missing}} and {{vault:also-missing}}"),
        ],
        &script,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("2 references cannot be resolved, so none was used"),
        "{err}"
    );
    assert!(
        err.contains("\"missing\": no secret has that name"),
        "{err}"
    );
    assert!(err.contains("\"also-missing\""), "{err}");
    assert!(!ran.exists(), "the program ran");
    assert!(!err.contains("sk_test"), "{err}");
    // Disabled.
    assert!(env.run(&["disable", "token"], b"").status.success());
    let out = run_sh(&env, &[], &[("A", "{{vault:token}}")], &script);
    assert!(stderr(&out).contains("it is disabled"), "{}", stderr(&out));
    assert!(!ran.exists());
}

#[test]
fn a_secret_meant_for_some_hosts_is_noted_or_with_strict_domains_refused() {
    let env = with_secrets();
    let out = run_sh(&env, &[], &[("S", "{{vault:stripe}}")], "echo \"$S\"");
    assert!(out.status.success());
    let err = stderr(&out);
    assert_eq!(err.matches("note:").count(), 1, "{err}");
    assert!(
        err.contains("\"stripe\" (for api.stripe.com) is meant only for some hosts"),
        "{err}"
    );
    let out = run_sh(
        &env,
        &["--strict-domains"],
        &[("S", "{{vault:stripe}}")],
        "echo ran",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!stdout(&out).contains("ran"));
    assert!(
        stderr(&out).contains("cannot be checked here"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn env_files_are_read_as_dotenv_and_win_over_the_environment() {
    let env = with_secrets();
    let first = env.path("first.env");
    let second = env.path("second.env");
    std::fs::write(
        &first,
        "A='{{vault:token}}'\nB=first\n# comment\nexport C=\"x {{vault:multi}} y\"\n",
    )
    .expect("write");
    std::fs::write(&second, "B=second\n").expect("write");
    let seen = env.path("seen");
    let script = format!("printenv A B C > '{}'", seen.display());
    let out = run_sh(
        &env,
        &[
            "--env-file",
            first.to_str().expect("utf8"),
            "--env-file",
            second.to_str().expect("utf8"),
        ],
        &[("B", "from-environment")],
        &script,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&seen).expect("seen"),
        "sk_test_51Hx9\nsecond\nx line one\nline two y\n"
    );
    let bad = env.path("bad.env");
    std::fs::write(&bad, "not an assignment\n").expect("write");
    let out = run_sh(
        &env,
        &["--env-file", bad.to_str().expect("utf8")],
        &[],
        "true",
    );
    assert_error(&out, 1, "line 1: expected KEY=VALUE");
}

#[test]
fn signals_from_another_process_go_on_to_the_program() {
    let env = with_secrets();
    let mut child = env
        .std_cmd()
        .env("T", "{{vault:token}}")
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; printf 'ready '; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    // The prompt-like "ready " comes through before any newline.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"ready ") && Instant::now() < deadline {
        if out.read(&mut byte).expect("read") == 0 {
            break;
        }
        seen.push(byte[0]);
    }
    assert_eq!(seen, b"ready ");
    #[allow(unsafe_code)]
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = child.wait().expect("wait");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("rest");
    assert_eq!(rest, "got-term\n");
    assert_eq!(status.code(), Some(42));
}

/// `coffer inject -i TEMPLATE -o OUT` and `extra` flags.
fn inject_to(
    env: &Env,
    template: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "inject",
        "-i",
        template.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    env.run(&args, b"")
}

#[test]
fn inject_writes_a_text_template_with_values_in_place() {
    let env = with_secrets();
    let template = env.path("config.txt");
    std::fs::write(&template, "token={{vault:token}}\nurl={{baseUrl}}\n").expect("write");
    let out = env.run(&["inject", "-i", template.to_str().expect("utf8")], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "token=sk_test_51Hx9\nurl={{baseUrl}}\n");
    // From stdin.
    let out = env.run(&["inject", "-i", "-"], b"x {{vault:multi}} y");
    assert_eq!(stdout(&out), "x line one\nline two y");
}

#[test]
fn inject_escapes_values_for_json_and_the_output_parses_to_exactly_them() {
    let env = Env::new();
    let tricky = [
        ("quote", "a \"quoted\" \\ back\\slash"),
        ("lines", "one\ntwo\r\n\tthree"),
        ("control", "bell \u{7} esc \u{1b} nul-free"),
        ("unicode", "ключ 🔑 é \u{2028}"),
    ];
    for (name, value) in tricky {
        env.set(name, value);
    }
    // A Postman environment with placeholders, as Newman takes it.
    let template = env.path("env.postman_environment.json");
    std::fs::write(
        &template,
        r#"{"name":"ci","values":[
            {"key":"quote","value":"{{vault:quote}}","enabled":true},
            {"key":"lines","value":"{{vault:lines}}","enabled":true},
            {"key":"mixed","value":"pre {{vault:control}} {{vault:unicode}} post","enabled":true},
            {"key":"base","value":"{{baseUrl}}","enabled":true}]}"#,
    )
    .expect("write");
    let rendered = env.path("rendered.json");
    let out = inject_to(&env, &template, &rendered, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 references resolved, mode 0600"),
        "{}",
        stderr(&out)
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&rendered)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let parsed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&rendered).expect("read")).expect("valid JSON");
    let values = parsed["values"].as_array().expect("values");
    assert_eq!(values[0]["value"], tricky[0].1);
    assert_eq!(values[1]["value"], tricky[1].1);
    assert_eq!(
        values[2]["value"],
        format!("pre {} {} post", tricky[2].1, tricky[3].1)
    );
    assert_eq!(values[3]["value"], "{{baseUrl}}");
    // An existing output is not replaced without --force.
    let before = std::fs::read(&rendered).expect("read");
    let out = inject_to(&env, &template, &rendered, &[]);
    assert_error(&out, 1, "--force");
    assert_eq!(std::fs::read(&rendered).expect("read"), before);
    let out = inject_to(&env, &template, &rendered, &["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn inject_refuses_a_reference_outside_a_json_string_and_writes_nothing_on_failure() {
    let env = with_secrets();
    let outside = env.path("outside.json");
    std::fs::write(&outside, "{\"port\": {{vault:token}}}").expect("write");
    let out = env.run(&["inject", "-i", outside.to_str().expect("utf8")], b"");
    assert_error(&out, 1, "outside a JSON string; put it inside quotes");
    let text = env.path("t.txt");
    std::fs::write(&text, "{{vault:token}} {{vault:nope}}").expect("write");
    let target = env.path("never.txt");
    let out = inject_to(&env, &text, &target, &[]);
    assert_error(&out, 1, "\"nope\": no secret has that name");
    assert!(!target.exists());
    assert_eq!(stdout(&out), "");
    let out = env.run(
        &["inject", "-i", "-", "--format", "json"],
        b"{\"a\": \"{{vault:token}}\"",
    );
    assert_error(&out, 1, "not valid JSON");
}

#[test]
fn the_program_never_gets_what_opens_the_vault() {
    let env = with_secrets();
    let out = env
        .cmd()
        .env("COFFER_EXPORT_PASSWORD", "an export password here")
        .env("T", "{{vault:token}}")
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "printenv COFFER_VAULT_KEY COFFER_EXPORT_PASSWORD; echo \"[$T]\"",
        ])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), format!("[{MASK}]\n"), "{}", stderr(&out));
}

#[test]
fn something_the_program_left_running_does_not_keep_coffer_waiting() {
    let env = with_secrets();
    let started = Instant::now();
    // The background sleep keeps the output pipes open after sh exits.
    let out = run_sh(
        &env,
        &[],
        &[("T", "{{vault:token}}")],
        "sleep 30 & echo \"done $T\"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("done {MASK}\n"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "coffer waited for the background program"
    );
}
