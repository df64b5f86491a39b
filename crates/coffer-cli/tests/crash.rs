//! kill -9 at random moments while `coffer` writes: the vault must always
//! open afterwards and every listed secret must read back whole.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use coffer_core::{ExposeSecret, NewSecret, SecretString, Target};

use crate::util::{open_core, Env};

/// Values carry their own length and name, so a torn write would show.
fn value_for(name: &str, round: usize, len: usize) -> String {
    format!("{name}|{round}|{len}|{}|end", "x".repeat(len))
}

/// Whole: all five parts, the length matches, and (unless renamed) the name too.
fn assert_whole(name: &str, value: &str) {
    let parts: Vec<&str> = value.split('|').collect();
    assert_eq!(parts.len(), 5, "torn value in {name}");
    assert_eq!(parts[4], "end", "torn value in {name}");
    assert_eq!(
        parts[2].parse::<usize>().ok(),
        Some(parts[3].len()),
        "torn value in {name}"
    );
    if !name.starts_with("renamed-") {
        assert_eq!(parts[0], name, "value of another secret under {name}");
    }
}

/// xorshift64*: a test-only source of random timings, seeded from the clock
/// and printed so a failing run can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn kill_9_during_writes_never_damages_the_vault() {
    const SECRETS: usize = 3_000;
    const KILLS_WANTED: usize = 60;
    let env = Env::new();
    let key = env.key.clone().expect("key");
    {
        let mut vault = open_core(&env.vault, &key);
        let batch = (0..SECRETS)
            .map(|i| {
                let name = format!("secret-{i:05}");
                NewSecret {
                    value: SecretString::from(value_for(&name, 0, 40 + i % 200)),
                    name,
                    enabled: true,
                    allowed_domains: vec![],
                    note: String::new(),
                }
            })
            .collect();
        vault.create_secrets(batch).expect("populate");
    }
    let seed = std::env::var("COFFER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64 | 1)
                .unwrap_or(0x9E37_79B9_7F4A_7C15)
        });
    eprintln!("crash test seed: {seed} (set COFFER_CRASH_SEED to replay)");
    let mut rng = Rng(seed);
    let bin = assert_cmd::cargo::cargo_bin("coffer");
    let (mut kills, mut completed, mut round) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    while kills < KILLS_WANTED {
        round += 1;
        assert!(round < 2_000, "only {kills} kills landed in {round} rounds");
        let target = format!("secret-{:05}", rng.below(SECRETS as u64));
        let fresh = format!("new-{round}");
        let renamed = format!("renamed-{round}");
        let (args, value): (Vec<&str>, Option<String>) = match rng.below(5) {
            0 | 1 => (
                vec!["set", &target],
                Some(value_for(&target, round, rng.below(60_000) as usize)),
            ),
            2 => (
                vec!["set", &fresh],
                Some(value_for(&fresh, round, rng.below(2_000) as usize)),
            ),
            3 => (vec!["disable", &target], None),
            _ => (vec!["rename", &target, &renamed], None),
        };
        let mut child = Command::new(&bin)
            .args(&args)
            .env("COFFER_VAULT", &env.vault)
            .env("COFFER_VAULT_KEY", &key)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        if let (Some(mut stdin), Some(v)) = (child.stdin.take(), value) {
            // The child may already be dead; a broken pipe is fine.
            let _ = stdin.write_all(v.as_bytes());
        }
        std::thread::sleep(Duration::from_micros(rng.below(25_000)));
        match child.try_wait().expect("try_wait") {
            Some(_) => completed += 1,
            None => {
                child.kill().expect("SIGKILL");
                child.wait().expect("reap");
                kills += 1;
            }
        }
        // After every round: the vault opens and every listed secret is whole.
        let mut vault = open_core(&env.vault, &key);
        let list = vault.list().expect("list after kill");
        assert!(list.len() >= SECRETS, "secrets lost: {}", list.len());
        if kills % 10 == 0 || round % 7 == 0 {
            for info in &list {
                let (_, v) = vault.reveal(Target::Id(info.id)).expect("reveal");
                assert_whole(&info.name, v.expose_secret());
            }
        }
    }
    // A last full check of every value.
    let mut vault = open_core(&env.vault, &key);
    for info in vault.list().expect("list") {
        let (_, v) = vault.reveal(Target::Id(info.id)).expect("reveal");
        assert_whole(&info.name, v.expose_secret());
    }
    eprintln!(
        "crash test: {kills} kills, {completed} completed writes in {round} rounds, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
