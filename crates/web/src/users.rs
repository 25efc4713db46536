//! The users file: accounts, roles, case membership and argon2id hashes.
//!
//! Written atomically (a temporary file renamed over the old one) with mode
//! 0600, so a crash never leaves half a file and other local users cannot
//! read the hashes.

use std::path::Path;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};

use crate::WebError;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every case, and tagging.
    Admin,
    /// Member cases: read and tag.
    Investigator,
    /// Member cases: read only (a prosecutor, a judge).
    Reviewer,
}

impl Role {
    /// Whether the role may change a case (tag for the report).
    pub fn can_tag(self) -> bool {
        matches!(self, Role::Admin | Role::Investigator)
    }

    /// The role's name as in the users file.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Investigator => "investigator",
            Role::Reviewer => "reviewer",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "investigator" => Some(Role::Investigator),
            "reviewer" => Some(Role::Reviewer),
            _ => None,
        }
    }
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login name (also the examiner name in the custody log).
    pub name: String,
    /// Role.
    pub role: Role,
    /// Case numbers the user is a member of (admins see every case).
    #[serde(default)]
    pub cases: Vec<String>,
    /// argon2id hash, PHC string.
    pub hash: String,
}

impl User {
    /// Whether the user may see the case with this number.
    pub fn member_of(&self, case_number: &str) -> bool {
        self.role == Role::Admin || self.cases.iter().any(|c| c == case_number)
    }
}

/// All accounts, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Users {
    /// The accounts, sorted by name.
    pub users: Vec<User>,
}

/// A hash of a random password nobody knows: unknown users are checked
/// against it so a login takes as long whether or not the name exists.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&crate::auth::token()).unwrap_or_default())
}

impl Users {
    /// Reads the users file; a missing file is no users.
    pub fn load(path: &Path) -> Result<Users, WebError> {
        match std::fs::read(path) {
            Ok(raw) => serde_json::from_slice(&raw).map_err(|e| WebError::Users {
                path: path.to_path_buf(),
                what: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Users::default()),
            Err(e) => Err(WebError::Io(path.to_path_buf(), e)),
        }
    }

    /// Writes the users file atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<(), WebError> {
        let mut sorted = self.clone();
        sorted.users.sort_by(|a, b| a.name.cmp(&b.name));
        let mut text = serde_json::to_string_pretty(&sorted).map_err(|e| WebError::Users {
            path: path.to_path_buf(),
            what: e.to_string(),
        })?;
        text.push('\n');
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| WebError::Io(dir.clone(), e))?;
        let tmp = dir.join(format!(
            ".{}.tmp{}",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        write_private(&tmp, text.as_bytes()).map_err(|e| WebError::Io(tmp.clone(), e))?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            WebError::Io(path.to_path_buf(), e)
        })
    }

    /// The user with this name.
    pub fn get(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Adds or replaces a user.
    pub fn upsert(&mut self, user: User) {
        self.users.retain(|u| u.name != user.name);
        self.users.push(user);
        self.users.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The user, if the name exists and the password is right. Always
    /// runs one argon2 verification.
    pub fn authenticate(&self, name: &str, password: &str) -> Option<&User> {
        match self.get(name) {
            Some(u) => verify_password(password, &u.hash).then_some(u),
            None => {
                let _ = verify_password(password, dummy_hash());
                None
            }
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// An argon2id hash of the password (random salt, PHC string).
pub fn hash_password(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| WebError::Password(e.to_string()))
}

/// Whether the password matches the PHC hash (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "random salt");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong", &a));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("x", dummy_hash()));
    }

    #[test]
    fn membership_and_roles() {
        let mut u = User {
            name: "r".into(),
            role: Role::Reviewer,
            cases: vec!["C-1".into()],
            hash: String::new(),
        };
        assert!(u.member_of("C-1") && !u.member_of("C-2"));
        assert!(!u.role.can_tag());
        u.role = Role::Admin;
        assert!(u.member_of("C-2") && u.role.can_tag());
        assert!(Role::Investigator.can_tag());
        assert_eq!(Role::parse("reviewer"), Some(Role::Reviewer));
        assert_eq!(Role::parse("root"), None);
    }

    #[cfg(unix)]
    #[test]
    fn saved_file_is_private_and_round_trips() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        let mut users = Users::default();
        users.upsert(User {
            name: "b".into(),
            role: Role::Investigator,
            cases: vec![],
            hash: hash_password("pw").unwrap(),
        });
        users.upsert(User {
            name: "a".into(),
            role: Role::Admin,
            cases: vec![],
            hash: hash_password("pw").unwrap(),
        });
        users.save(&path).unwrap();
        users.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
        let back = Users::load(&path).unwrap();
        assert_eq!(back.users[0].name, "a");
        assert!(back.authenticate("b", "pw").is_some());
        assert!(back.authenticate("b", "nope").is_none());
        assert!(back.authenticate("nobody", "pw").is_none());
    }
}
