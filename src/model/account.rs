//! Accounts: the rules for emails, display names and passwords, and the user DTO.
//!
//! The same functions validate a form in the browser and again on the server.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 12;
/// Longest password accepted (argon2 cost grows with length; this bounds it).
pub const PASSWORD_MAX: usize = 128;
/// Longest display name accepted.
pub const DISPLAY_NAME_MAX: usize = 80;
/// Longest email accepted (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;

/// A syntactically valid email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Validates and normalises an email address typed into the field named `email`.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(AppError::field("email", "Enter your email address."));
        }
        if trimmed.len() > EMAIL_MAX {
            return Err(AppError::field(
                "email",
                format!("An email address has at most {EMAIL_MAX} characters."),
            ));
        }
        if !email_address::EmailAddress::is_valid(trimmed) || !trimmed.contains('.') {
            return Err(AppError::field(
                "email",
                "Enter a valid email address, like name@example.com.",
            ));
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1..=80 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    /// Validates a display name typed into the field named `display_name`.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(AppError::field(
                "display_name",
                "Enter the name others will see.",
            ));
        }
        if trimmed.chars().count() > DISPLAY_NAME_MAX {
            return Err(AppError::field(
                "display_name",
                format!("A display name has at most {DISPLAY_NAME_MAX} characters."),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(AppError::field(
                "display_name",
                "A display name cannot contain control characters.",
            ));
        }
        Ok(Self(trimmed.to_string()))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a new password for the form field `field`: 12–128 characters, not only spaces.
pub fn check_new_password(field: &str, password: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(AppError::field(
            field,
            format!("Use at least {PASSWORD_MIN} characters ({len} given)."),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(AppError::field(
            field,
            format!("Use at most {PASSWORD_MAX} characters."),
        ));
    }
    if password.trim().is_empty() {
        return Err(AppError::field(field, "A password cannot be only spaces."));
    }
    Ok(())
}

/// The signed-in user as pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// User id.
    pub id: String,
    /// Normalised email.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Marketplace admins review submissions and manage users.
    pub is_admin: bool,
}

/// A user row as marketplace admins see it on the users page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    /// User id.
    pub id: String,
    /// Normalised email.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Whether the user is a marketplace admin.
    pub is_admin: bool,
    /// Creation time, unix milliseconds.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("ada@example.com", "ada@example.com")]
    #[case("  Ada@Example.COM ", "ada@example.com")]
    #[case("first.last+tag@sub.example.org", "first.last+tag@sub.example.org")]
    fn accepts_and_normalises_emails(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(Email::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("")]
    #[case("   ")]
    #[case("ada")]
    #[case("ada@")]
    #[case("@example.com")]
    #[case("ada@localhost")]
    #[case("ada example@example.com")]
    fn refuses_bad_emails(#[case] input: &str) {
        let err = Email::parse(input).unwrap_err();
        assert!(err.for_field("email").is_some(), "{input:?} gave {err:?}");
    }

    #[rstest]
    #[case("Ada Lovelace", true)]
    #[case("  Ada  ", true)]
    #[case("", false)]
    #[case("bad\u{7}name", false)]
    fn display_names(#[case] input: &str, #[case] ok: bool) {
        assert_eq!(DisplayName::parse(input).is_ok(), ok);
    }

    #[test]
    fn display_name_length_counts_characters_not_bytes() {
        assert!(DisplayName::parse(&"é".repeat(80)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(81)).is_err());
    }

    #[rstest]
    #[case(11, false)]
    #[case(12, true)]
    #[case(128, true)]
    #[case(129, false)]
    fn password_length_bounds(#[case] len: usize, #[case] ok: bool) {
        assert_eq!(check_new_password("password", &"x".repeat(len)).is_ok(), ok);
    }

    #[test]
    fn password_of_spaces_is_refused_with_the_field_name() {
        let err = check_new_password("new_password", &" ".repeat(20)).unwrap_err();
        assert!(err.for_field("new_password").is_some());
    }
}
