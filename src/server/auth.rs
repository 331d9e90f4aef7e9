//! Authentication: argon2id hashing off the async runtime, sign-in with lockout, sessions, and the
//! role guards every server fn calls before it does anything.

use crate::error::AppError;
use crate::model::account::{CurrentUser, DisplayName, Email};
use crate::server::db::{self, audit, users, Db};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;
use tower_sessions::Session;

const SESSION_USER: &str = "uid";
const SESSION_EPOCH: &str = "epoch";

fn hasher() -> Argon2<'static> {
    // OWASP's first argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19_456, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password on the blocking pool.
pub async fn hash_password(password: SecretString) -> Result<users::PasswordHash, AppError> {
    let hash = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| users::PasswordHash(h.to_string()))
    })
    .await?
    .map_err(|e| {
        tracing::error!(error = %e, "argon2 hashing failed");
        AppError::Internal
    })?;
    Ok(hash)
}

/// A valid hash of a random password, verified against when the email is unknown so that the answer
/// takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(uuid::Uuid::new_v4().to_string().as_bytes(), &salt)
            .expect("hashing a random password")
            .to_string()
    })
}

/// Verifies a password against a stored hash (or the dummy) on the blocking pool.
pub async fn verify_password(
    password: SecretString,
    hash: Option<users::PasswordHash>,
) -> Result<bool, AppError> {
    let ok = tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let phc = hash
            .map(|h| h.0)
            .unwrap_or_else(|| dummy_hash().to_string());
        let parsed = match argon2::PasswordHash::new(&phc) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "stored password hash does not parse");
                return false;
            }
        };
        let matches = hasher()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await?;
    Ok(ok)
}

/// Creates an account (the sign-up form and the operator's `admin create-user`).
#[tracing::instrument(skip(db, email, display_name, password), fields(email = %email.as_str()))]
pub async fn register(
    db: &Db,
    email: &Email,
    display_name: &DisplayName,
    password: SecretString,
    is_admin: bool,
) -> Result<users::UserRecord, AppError> {
    let hash = hash_password(password).await?;
    let user = users::create(&db.pool, email, display_name, &hash, is_admin)
        .await
        .map_err(|e| match e {
            users::CreateError::EmailTaken => AppError::field(
                "email",
                "An account with this email already exists. Sign in instead?",
            ),
            users::CreateError::Db(e) => AppError::from(e),
        })?;
    audit::record(
        &db.pool,
        audit::Entry::new(Some(&user.id), "user.created", "user", &user.id)
            .with(serde_json::json!({ "admin": is_admin })),
    )
    .await?;
    tracing::info!(user_id = %user.id, "account created");
    Ok(user)
}

fn minutes_left(until: i64, now: i64) -> i64 {
    ((until - now) + 59_999) / 60_000
}

/// Checks an email and password, applying the lockout policy. Wrong email and wrong password give
/// the same answer in the same time.
#[tracing::instrument(skip(db, password))]
pub async fn authenticate(
    db: &Db,
    email_input: &str,
    password: SecretString,
) -> Result<users::UserRecord, AppError> {
    let wrong = || {
        AppError::field(
            "password",
            "The email or password is not right. Check both and try again.",
        )
    };
    let Ok(email) = Email::parse(email_input) else {
        // Still spend the hashing time: the answer must not reveal which part was wrong.
        verify_password(password, None).await?;
        return Err(wrong());
    };
    let user = users::find_by_email(&db.pool, &email).await?;
    let now = db::now_ms();
    if let Some(until) = user
        .as_ref()
        .and_then(|u| u.locked_until)
        .filter(|&t| t > now)
    {
        return Err(AppError::TooManyRequests(format!(
            "Too many failed sign-ins for this account. Try again in {} minutes.",
            minutes_left(until, now)
        )));
    }
    let ok = verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let Some(user) = user else {
        return Err(wrong());
    };
    if !ok {
        let locked = users::record_failure(&db.pool, &user.id, now).await?;
        audit::record(
            &db.pool,
            audit::Entry::new(None, "user.sign_in_failed", "user", &user.id)
                .with(serde_json::json!({ "locked": locked.is_some() })),
        )
        .await?;
        if let Some(until) = locked {
            tracing::warn!(user_id = %user.id, "account locked after repeated failed sign-ins");
            audit::record(
                &db.pool,
                audit::Entry::new(None, "user.locked", "user", &user.id)
                    .with(serde_json::json!({ "until": until })),
            )
            .await?;
            return Err(AppError::TooManyRequests(format!(
                "Too many failed sign-ins for this account. Try again in {} minutes.",
                minutes_left(until, now)
            )));
        }
        return Err(wrong());
    }
    users::clear_failures(&db.pool, &user.id).await?;
    audit::record(
        &db.pool,
        audit::Entry::new(Some(&user.id), "user.signed_in", "user", &user.id),
    )
    .await?;
    Ok(user)
}

/// Starts an authenticated session: a fresh session id, then the user.
pub async fn start_session(session: &Session, user: &users::UserRecord) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(SESSION_USER, &user.id).await?;
    session
        .insert(SESSION_EPOCH, user.password_changed_at)
        .await?;
    Ok(())
}

/// Ends the session: the data goes and the id changes, so the old cookie is worthless.
pub async fn end_session(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

/// Re-binds the current session after a password change, voiding every other session of the user.
pub async fn refresh_epoch(session: &Session, epoch: i64) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(SESSION_EPOCH, epoch).await?;
    Ok(())
}

/// The signed-in user, if the session names one whose password has not changed since.
pub async fn current_user(
    db: &Db,
    session: &Session,
) -> Result<Option<users::UserRecord>, AppError> {
    let Some(id) = session.get::<String>(SESSION_USER).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i64>(SESSION_EPOCH).await?.unwrap_or_default();
    let user = users::find_by_id(&db.pool, &id).await?;
    Ok(user.filter(|u| u.password_changed_at == epoch))
}

/// What pages know about a user.
pub fn to_current(user: &users::UserRecord) -> CurrentUser {
    CurrentUser {
        id: user.id.clone(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        is_admin: user.is_admin,
    }
}

/// The signed-in user, or 401.
pub async fn require_user(db: &Db, session: &Session) -> Result<users::UserRecord, AppError> {
    current_user(db, session)
        .await?
        .ok_or_else(|| AppError::Unauthorized("Sign in to continue.".into()))
}

/// The signed-in marketplace admin, or 401/403.
pub async fn require_admin(db: &Db, session: &Session) -> Result<users::UserRecord, AppError> {
    let user = require_user(db, session).await?;
    if user.is_admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden(
            "Only marketplace admins can do this.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let hash = hash_password(SecretString::from("correct horse battery"))
            .await
            .unwrap();
        assert!(hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(
            SecretString::from("correct horse battery"),
            Some(hash.clone())
        )
        .await
        .unwrap());
        assert!(
            !verify_password(SecretString::from("wrong horse battery"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        assert!(
            !verify_password(SecretString::from("anything at all"), None)
                .await
                .unwrap()
        );
    }

    #[rstest::rstest]
    #[case(15 * 60_000, 15)]
    #[case(60_001, 2)]
    #[case(1, 1)]
    fn minutes_round_up(#[case] left: i64, #[case] minutes: i64) {
        assert_eq!(minutes_left(1_000 + left, 1_000), minutes);
    }
}
