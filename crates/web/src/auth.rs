//! Sessions, CSRF tokens and login rate limiting (in memory: a restart
//! logs everybody out, which is the safe direction).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::users::Role;

/// A session lasts this long after login, whatever the activity.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Failed logins (per user and address) before the pair is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked user and address pair stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(300);

/// 32 random bytes, hex. Panics never: if the system has no randomness
/// the server must not hand out guessable tokens, so it aborts the request
/// by returning an empty token that matches nothing.
pub fn token() -> String {
    let mut b = [0u8; 32];
    match getrandom::fill(&mut b) {
        Ok(()) => hex::encode(b),
        Err(_) => String::new(),
    }
}

/// Compares secrets in time independent of where they differ; an empty
/// secret never matches.
pub fn same_secret(a: &str, b: &str) -> bool {
    if a.is_empty() || a.len() != b.len() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// User name.
    pub user: String,
    /// Role at login.
    pub role: Role,
    /// Case numbers the user is a member of at login.
    pub cases: Vec<String>,
    /// The token every POST of this session must carry.
    pub csrf: String,
    /// When it ends.
    pub expires: Instant,
}

impl Session {
    /// Whether the user may see the case with this number.
    pub fn member_of(&self, number: &str) -> bool {
        self.role == Role::Admin || self.cases.iter().any(|c| c == number)
    }
}

/// Sessions by token.
#[derive(Debug, Default)]
pub struct Sessions {
    by_token: BTreeMap<String, Session>,
}

impl Sessions {
    /// Starts a session; returns its token (empty when no randomness).
    pub fn start(&mut self, user: &str, role: Role, cases: Vec<String>, now: Instant) -> String {
        self.by_token.retain(|_, s| s.expires > now);
        let id = token();
        let csrf = token();
        if id.is_empty() || csrf.is_empty() {
            return String::new();
        }
        self.by_token.insert(
            id.clone(),
            Session {
                user: user.to_string(),
                role,
                cases,
                csrf,
                expires: now + SESSION_LIFETIME,
            },
        );
        id
    }

    /// The live session with this token.
    pub fn get(&self, id: &str, now: Instant) -> Option<&Session> {
        self.by_token.get(id).filter(|s| s.expires > now)
    }

    /// Ends a session.
    pub fn end(&mut self, id: &str) {
        self.by_token.remove(id);
    }

    /// The CSRF tokens of the sessions live at `now` (what a session
    /// unlocked is keyed by them).
    pub fn live_csrf(&self, now: Instant) -> std::collections::BTreeSet<String> {
        self.by_token
            .values()
            .filter(|s| s.expires > now)
            .map(|s| s.csrf.clone())
            .collect()
    }
}

/// Failed logins per (user, address).
#[derive(Debug, Default)]
pub struct RateLimiter {
    failures: BTreeMap<(String, String), (u32, Instant)>,
}

impl RateLimiter {
    /// Whether the pair is locked now.
    pub fn locked(&self, user: &str, addr: &str, now: Instant) -> bool {
        self.failures
            .get(&(user.to_string(), addr.to_string()))
            .is_some_and(|(n, last)| *n >= MAX_FAILURES && now < *last + LOCKOUT)
    }

    /// Counts a failure (a lockout that ran out starts counting afresh).
    pub fn failed(&mut self, user: &str, addr: &str, now: Instant) {
        self.failures.retain(|_, (_, last)| now < *last + LOCKOUT);
        let e = self
            .failures
            .entry((user.to_string(), addr.to_string()))
            .or_insert((0, now));
        e.0 = e.0.saturating_add(1);
        e.1 = now;
    }

    /// Forgets the failures of a pair after a good login.
    pub fn succeeded(&mut self, user: &str, addr: &str) {
        self.failures.remove(&(user.to_string(), addr.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex() {
        let a = token();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, token());
    }

    #[test]
    fn csrf_comparison() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", ""));
    }

    #[test]
    fn sessions_expire_and_end() {
        let mut s = Sessions::default();
        let now = Instant::now();
        let id = s.start("ann", Role::Reviewer, vec!["C1".into()], now);
        let got = s.get(&id, now).unwrap();
        assert!(got.member_of("C1") && !got.member_of("C2"));
        assert_ne!(got.csrf, id);
        assert!(s.get(&id, now + SESSION_LIFETIME).is_none());
        assert!(s.get("nope", now).is_none());
        s.end(&id);
        assert!(s.get(&id, now).is_none());
    }

    #[test]
    fn five_failures_lock_the_pair_for_a_while() {
        let mut r = RateLimiter::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            r.failed("ann", "1.2.3.4", now);
        }
        assert!(!r.locked("ann", "1.2.3.4", now));
        r.failed("ann", "1.2.3.4", now);
        assert!(r.locked("ann", "1.2.3.4", now));
        assert!(!r.locked("ann", "5.6.7.8", now), "other address");
        assert!(!r.locked("bob", "1.2.3.4", now), "other user");
        assert!(!r.locked("ann", "1.2.3.4", now + LOCKOUT));
        r.succeeded("ann", "1.2.3.4");
        assert!(!r.locked("ann", "1.2.3.4", now));
    }
}
