//! The demo dataset `make run` loads into an empty database, so a fresh clone shows every feature.

use crate::model::account::{DisplayName, Email};
use crate::server::auth;
use crate::server::db::{users, Db};
use secrecy::SecretString;

/// The demo accounts: (email, display name, password, admin).
pub const ACCOUNTS: &[(&str, &str, &str, bool)] = &[
    ("admin@kiket.test", "Ada Admin", "kiket-admin-demo", true),
    (
        "publisher@kiket.test",
        "Priya Publisher",
        "kiket-publisher-demo",
        false,
    ),
    (
        "member@kiket.test",
        "Omar Orgmember",
        "kiket-member-demo",
        false,
    ),
];

/// Printed when the database already had data, so the logins are not lost from view.
pub const LOGINS_AGAIN: &str =
    "Database already holds data: demo dataset not loaded again (demo logins, if it was seeded: see README).";

fn logins() -> String {
    let mut out = String::from("Demo logins (email / password):\n");
    for (email, name, password, admin) in ACCOUNTS {
        out.push_str(&format!(
            "  {email:<24} {password:<22} {name}{}\n",
            if *admin { " — marketplace admin" } else { "" }
        ));
    }
    out
}

/// Loads the demo dataset when the database has no users; returns the logins to print.
pub async fn seed(db: &Db) -> Result<Option<String>, Box<dyn std::error::Error>> {
    if users::count(&db.pool).await? > 0 {
        return Ok(None);
    }
    for (email, name, password, admin) in ACCOUNTS {
        auth::register(
            db,
            &Email::parse(email)?,
            &DisplayName::parse(name)?,
            SecretString::from(password.to_string()),
            *admin,
        )
        .await?;
    }
    tracing::info!("demo dataset loaded");
    Ok(Some(logins()))
}
