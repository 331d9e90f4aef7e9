//! The demo dataset `make run` loads into an empty database, so a fresh clone shows every feature.

use crate::model::account::{DisplayName, Email};
use crate::model::publisher::{PublisherRole, PublisherSlug};
use crate::server::auth;
use crate::server::db::{publishers, users, Db};
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

/// The demo publishers: (slug, name, verified). Priya owns both; Omar maintains Acme Tools.
pub const PUBLISHERS: &[(&str, &str, bool)] = &[
    ("acme-tools", "Acme Tools", true),
    ("northwind-labs", "Northwind Labs", false),
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
    let mut ids = Vec::new();
    for (email, name, password, admin) in ACCOUNTS {
        let user = auth::register(
            db,
            &Email::parse(email)?,
            &DisplayName::parse(name)?,
            SecretString::from(password.to_string()),
            *admin,
        )
        .await?;
        ids.push(user.id);
    }
    let (publisher, member) = (&ids[1], &ids[2]);
    for (slug, name, verified) in PUBLISHERS {
        let p = publishers::create(&db.pool, &PublisherSlug::parse(slug)?, name, publisher).await?;
        if *verified {
            publishers::set_verified(&db.pool, &p.id, true).await?;
        }
        if *slug == "acme-tools" {
            publishers::add_member(&db.pool, &p.id, member, PublisherRole::Maintainer).await?;
        }
    }
    tracing::info!("demo dataset loaded");
    Ok(Some(logins()))
}
