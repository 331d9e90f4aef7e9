//! The secret store (SPEC §5): scopes, resolution, envelope encryption, audit, rotation.
//!
//! Values go in through [`SecretStore::set`] and come out only through [`SecretStore::reveal`],
//! [`SecretStore::resolve`] and [`SecretStore::resolve_many`], which write an audit entry (who, what, key, version, purpose) in
//! the same transaction before anything is decrypted: if the entry cannot be written, nothing is
//! revealed. Listing returns metadata only.

pub mod crypto;

use crate::model::secret::{ScopeKind, SecretMeta};
use crate::server::config::MasterKey;
use crate::server::db::{audit, is_unique_violation, new_id, now_ms};
use crypto::{CryptoError, DataKey, Kek, Keyring};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{AnyConnection, AnyPool};
use std::sync::Arc;

/// A scope: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Kind.
    pub kind: ScopeKind,
    /// Id: the organization's, the project's or the installation's id; for an extension,
    /// `{organization id}/{extension key}`.
    pub id: String,
}

impl Scope {
    /// The organization itself.
    pub fn organization(organization_id: &str) -> Self {
        Self {
            kind: ScopeKind::Organization,
            id: organization_id.to_string(),
        }
    }

    /// A project.
    pub fn project(project_id: &str) -> Self {
        Self {
            kind: ScopeKind::Project,
            id: project_id.to_string(),
        }
    }

    /// One extension, organization-wide.
    pub fn extension(organization_id: &str, extension_key: &str) -> Self {
        Self {
            kind: ScopeKind::Extension,
            id: format!("{organization_id}/{extension_key}"),
        }
    }

    /// One installation.
    pub fn installation(installation_id: &str) -> Self {
        Self {
            kind: ScopeKind::Installation,
            id: installation_id.to_string(),
        }
    }
}

/// One lookup of a batch: `keys` resolved through `chain` in `organization_id`.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    /// The organization.
    pub organization_id: &'a str,
    /// Scopes, most specific first.
    pub chain: &'a [Scope],
    /// Keys to resolve.
    pub keys: &'a [&'a str],
}

/// Why a value is decrypted (recorded with every decrypt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Put into an event delivery.
    Delivery,
    /// Read by an extension through the runtime API.
    Api,
    /// Sent with the setup wizard's test request.
    WizardTest,
    /// Shown once to the admin who created it (a generated signing secret).
    ShownOnce,
    /// Moved aside by a rotation (re-encrypted under another key, never shown).
    Rotation,
}

impl Purpose {
    /// As recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivery => "delivery",
            Self::Api => "api",
            Self::WizardTest => "wizard_test",
            Self::ShownOnce => "shown_once",
            Self::Rotation => "rotation",
        }
    }
}

/// Why the store refused. Never carries a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A key or ciphertext did not verify.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Someone else changed the secret meanwhile.
    #[error("the secret was changed meanwhile")]
    Conflict,
    /// The database failed (including the audit entry a decrypt needs).
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a rotation of the master key did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Data keys re-wrapped with the new master key.
    pub rewrapped: u64,
    /// Data keys already wrapped with it.
    pub unchanged: u64,
}

/// The store: the master keys this process knows.
#[derive(Debug, Clone)]
pub struct SecretStore {
    keyring: Arc<Keyring>,
}

impl SecretStore {
    /// A store reading and writing with `keyring`.
    pub fn new(keyring: Arc<Keyring>) -> Self {
        Self { keyring }
    }

    /// The master keys.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The organization's data key, created (wrapped with the current master key) on first use
    /// when `create`.
    async fn data_key(
        &self,
        conn: &mut AnyConnection,
        organization_id: &str,
        create: bool,
    ) -> Result<Option<DataKey>, SecretError> {
        let mut row = stored_data_key(&mut *conn, organization_id).await?;
        if row.is_none() && create {
            let dek = DataKey::generate();
            let kek = self.keyring.current();
            // Another request may create it at the same moment: the first one stays.
            sqlx::query(
                "INSERT INTO data_keys (organization_id, dek_id, kek_id, wrapped, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id) DO NOTHING",
            )
            .bind(organization_id)
            .bind(dek.id_hex())
            .bind(kek.id())
            .bind(crypto::wrap(kek, organization_id, &dek))
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
            row = stored_data_key(&mut *conn, organization_id).await?;
        }
        match row {
            None => Ok(None),
            Some((dek_id, kek_id, wrapped)) => Ok(Some(crypto::unwrap(
                &self.keyring,
                &kek_id,
                organization_id,
                &dek_id,
                &wrapped,
            )?)),
        }
    }

    /// Sets (or replaces) the value of `key` in `scope`, and returns its new version.
    pub async fn set(
        &self,
        pool: &AnyPool,
        organization_id: &str,
        scope: &Scope,
        key: &str,
        value: &SecretString,
        actor_id: &str,
    ) -> Result<i64, SecretError> {
        let mut tx = pool.begin().await?;
        let dek = self
            .data_key(&mut tx, organization_id, true)
            .await?
            .ok_or(CryptoError::Malformed)?;
        let existing: Option<(String, i64)> = sqlx::query_as(
            "SELECT id, version FROM secrets WHERE scope_kind = $1 AND scope_id = $2 AND key = $3",
        )
        .bind(scope.kind.as_str())
        .bind(&scope.id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let now = now_ms();
        let version = existing.as_ref().map_or(1, |(_, v)| v + 1);
        let binding = crypto::Binding {
            scope_kind: scope.kind.as_str(),
            scope_id: &scope.id,
            key,
            version,
        };
        let ciphertext = crypto::seal(&dek, &binding, value.expose_secret().as_bytes());
        let id = match &existing {
            Some((id, old)) => {
                let updated = sqlx::query(
                    "UPDATE secrets SET version = $1, ciphertext = $2, updated_at = $3, rotated_at = $3, \
                     rotation_count = rotation_count + 1, updated_by = $4 WHERE id = $5 AND version = $6",
                )
                .bind(version)
                .bind(ciphertext)
                .bind(now)
                .bind(actor_id)
                .bind(id)
                .bind(old)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(SecretError::Conflict);
                }
                id.clone()
            }
            None => {
                let id = new_id("sec");
                let inserted = sqlx::query(
                    "INSERT INTO secrets (id, organization_id, scope_kind, scope_id, key, version, ciphertext, \
                     created_at, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7, $8)",
                )
                .bind(&id)
                .bind(organization_id)
                .bind(scope.kind.as_str())
                .bind(&scope.id)
                .bind(key)
                .bind(ciphertext)
                .bind(now)
                .bind(actor_id)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => id,
                    Err(e) if is_unique_violation(&e, "secrets_scope_key_key") => {
                        return Err(SecretError::Conflict)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let action = if existing.is_some() {
            "secret.replaced"
        } else {
            "secret.set"
        };
        audit::record(
            &mut *tx,
            audit::Entry::new(Some(actor_id), action, "secret", &id)
                .with(serde_json::json!({
                    "scope": scope.kind.as_str(),
                    "scope_id": scope.id,
                    "key": key,
                    "version": version,
                }))
                .for_organization(organization_id),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Clears `key` in `scope`: its ciphertext is deleted. Returns whether it was set.
    pub async fn clear(
        &self,
        pool: &AnyPool,
        organization_id: &str,
        scope: &Scope,
        key: &str,
        actor_id: &str,
    ) -> Result<bool, SecretError> {
        let mut tx = pool.begin().await?;
        let removed: Option<(String, i64)> = sqlx::query_as(
            "DELETE FROM secrets WHERE organization_id = $1 AND scope_kind = $2 AND scope_id = $3 AND key = $4 \
             RETURNING id, version",
        )
        .bind(organization_id)
        .bind(scope.kind.as_str())
        .bind(&scope.id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, version)) = removed else {
            return Ok(false);
        };
        audit::record(
            &mut *tx,
            audit::Entry::new(Some(actor_id), "secret.cleared", "secret", &id)
                .with(serde_json::json!({
                    "scope": scope.kind.as_str(),
                    "scope_id": scope.id,
                    "key": key,
                    "version": version,
                }))
                .for_organization(organization_id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes every secret of one scope (an uninstalled installation's) but the keys in `keep`,
    /// with one audit entry.
    pub async fn clear_scope(
        &self,
        conn: &mut AnyConnection,
        organization_id: &str,
        scope: &Scope,
        keep: &[&str],
        actor_id: Option<&str>,
    ) -> Result<u64, SecretError> {
        let kept = (0..keep.len())
            .map(|i| format!(" AND key <> ${}", i + 4))
            .collect::<String>();
        let sql = format!(
            "DELETE FROM secrets WHERE organization_id = $1 AND scope_kind = $2 AND scope_id = $3{kept}"
        );
        let mut query = sqlx::query(&sql)
            .bind(organization_id)
            .bind(scope.kind.as_str())
            .bind(&scope.id);
        for key in keep {
            query = query.bind(*key);
        }
        let removed = query.execute(&mut *conn).await?.rows_affected();
        if removed > 0 {
            audit::record(
                &mut *conn,
                audit::Entry::new(
                    actor_id,
                    "secret.scope_cleared",
                    scope.kind.as_str(),
                    &scope.id,
                )
                .with(serde_json::json!({ "removed": removed }))
                .for_organization(organization_id),
            )
            .await?;
        }
        Ok(removed)
    }

    /// The secrets of `scope`, by key: metadata only.
    pub async fn list(
        &self,
        pool: &AnyPool,
        scope: &Scope,
    ) -> Result<Vec<SecretMeta>, SecretError> {
        type Row = (String, i64, i64, i64, Option<i64>, i64, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.key, s.version, s.created_at, s.updated_at, s.rotated_at, s.rotation_count, u.display_name \
             FROM secrets s LEFT JOIN users u ON u.id = s.updated_by \
             WHERE s.scope_kind = $1 AND s.scope_id = $2 ORDER BY s.key",
        )
        .bind(scope.kind.as_str())
        .bind(&scope.id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(key, version, created_at, updated_at, rotated_at, rotation_count, updated_by)| {
                    SecretMeta {
                        key,
                        version,
                        created_at,
                        updated_at,
                        rotated_at,
                        rotation_count,
                        updated_by,
                    }
                },
            )
            .collect())
    }

    /// Decrypts `key` of `scope` for `purpose`, recording the read first. `actor_id` is the user
    /// who caused it, if any.
    pub async fn reveal(
        &self,
        pool: &AnyPool,
        organization_id: &str,
        scope: &Scope,
        key: &str,
        purpose: Purpose,
        actor_id: Option<&str>,
    ) -> Result<Option<SecretString>, SecretError> {
        Ok(self
            .resolve_many(
                pool,
                organization_id,
                std::slice::from_ref(scope),
                &[key],
                purpose,
                actor_id,
            )
            .await?
            .into_iter()
            .next()
            .map(|(_, _, value)| value))
    }

    /// Resolves `key` through `chain` (most specific first, as in
    /// [`ScopeKind::RESOLUTION`]): the first scope holding it wins. Returns that scope's kind and
    /// the value, recording the read.
    pub async fn resolve(
        &self,
        pool: &AnyPool,
        organization_id: &str,
        chain: &[Scope],
        key: &str,
        purpose: Purpose,
        actor_id: Option<&str>,
    ) -> Result<Option<(ScopeKind, SecretString)>, SecretError> {
        Ok(self
            .resolve_many(pool, organization_id, chain, &[key], purpose, actor_id)
            .await?
            .into_iter()
            .next()
            .map(|(_, kind, value)| (kind, value)))
    }

    /// Resolves each of `keys` through `chain` as [`Self::resolve`] does, in one transaction: one
    /// audit entry per decrypted value, all written before any value is decrypted. Keys set in no
    /// scope of the chain are left out of the answer.
    pub async fn resolve_many(
        &self,
        pool: &AnyPool,
        organization_id: &str,
        chain: &[Scope],
        keys: &[&str],
        purpose: Purpose,
        actor_id: Option<&str>,
    ) -> Result<Vec<(String, ScopeKind, SecretString)>, SecretError> {
        let request = Lookup {
            organization_id,
            chain,
            keys,
        };
        Ok(self
            .resolve_batch(pool, &[request], purpose, actor_id)
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// [`Self::resolve_many`] for several lookups (the installations of a delivery batch) with
    /// one transaction for all their audit entries. Answers in the order of `lookups`.
    pub async fn resolve_batch(
        &self,
        pool: &AnyPool,
        lookups: &[Lookup<'_>],
        purpose: Purpose,
        actor_id: Option<&str>,
    ) -> Result<Vec<Vec<(String, ScopeKind, SecretString)>>, SecretError> {
        type Held = (String, String, String, String, i64, Vec<u8>);
        let mut found: Vec<Vec<(ScopeKind, Held)>> = Vec::with_capacity(lookups.len());
        for lookup in lookups {
            if lookup.keys.is_empty() {
                found.push(Vec::new());
                continue;
            }
            let placeholders = (0..lookup.keys.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id, scope_kind, scope_id, key, version, ciphertext FROM secrets \
                 WHERE organization_id = $1 AND key IN ({placeholders})"
            );
            let mut query = sqlx::query_as::<_, Held>(&sql).bind(lookup.organization_id);
            for key in lookup.keys {
                query = query.bind(*key);
            }
            let held = query.fetch_all(pool).await?;
            let mut hits = Vec::new();
            for key in lookup.keys {
                let hit = lookup.chain.iter().find_map(|s| {
                    held.iter()
                        .find(|(_, kind, id, k, _, _)| {
                            k == key && kind == s.kind.as_str() && *id == s.id
                        })
                        .map(|row| (s.kind, row.clone()))
                });
                hits.extend(hit);
            }
            found.push(hits);
        }
        if found.iter().all(Vec::is_empty) {
            return Ok(found.into_iter().map(|_| Vec::new()).collect());
        }
        // The transaction writes first, so on SQLite it waits for the write lock instead of
        // failing to upgrade a read. Fail closed: no entry, no value.
        let mut tx = pool.begin().await?;
        for (lookup, hits) in lookups.iter().zip(&found) {
            for (_, (id, kind, scope_id, key, version, _)) in hits {
                audit::record(
                    &mut *tx,
                    audit::Entry::new(actor_id, "secret.decrypted", "secret", id)
                        .with(serde_json::json!({
                            "scope": kind,
                            "scope_id": scope_id,
                            "key": key,
                            "version": version,
                            "purpose": purpose.as_str(),
                        }))
                        .for_organization(lookup.organization_id),
                )
                .await?;
            }
        }
        let mut keys: std::collections::HashMap<&str, DataKey> = std::collections::HashMap::new();
        for (lookup, hits) in lookups.iter().zip(&found) {
            if hits.is_empty() || keys.contains_key(lookup.organization_id) {
                continue;
            }
            let dek = self
                .data_key(&mut tx, lookup.organization_id, false)
                .await?
                .ok_or(CryptoError::WrongDataKey)?;
            keys.insert(lookup.organization_id, dek);
        }
        tx.commit().await?;
        let mut out = Vec::with_capacity(found.len());
        for (lookup, hits) in lookups.iter().zip(found) {
            let mut values = Vec::with_capacity(hits.len());
            for (scope_kind, (_, kind, scope_id, key, version, ciphertext)) in hits {
                let dek = keys
                    .get(lookup.organization_id)
                    .ok_or(CryptoError::WrongDataKey)?;
                let value = crypto::open(
                    dek,
                    &crypto::Binding {
                        scope_kind: &kind,
                        scope_id: &scope_id,
                        key: &key,
                        version,
                    },
                    &ciphertext,
                )?;
                values.push((key, scope_kind, value));
            }
            out.push(values);
        }
        Ok(out)
    }

    /// Checks at start-up that every stored data key unwraps with the configured master keys.
    pub async fn verify(&self, pool: &AnyPool) -> Result<u64, String> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT kek_id, COUNT(*) FROM data_keys GROUP BY kek_id")
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?;
        let mut total = 0;
        for (kek_id, n) in rows {
            if self.keyring.get(&kek_id).is_none() {
                return Err(format!(
                    "{n} organization data key(s) are wrapped by master key {kek_id}, which is not configured \
                     (configured: {}). Start with the KIKET_MASTER_KEY they were created with, or list it in \
                     KIKET_PREVIOUS_MASTER_KEYS while rotating.",
                    self.keyring.ids().join(", ")
                ));
            }
            let (organization_id, dek_id, wrapped): (String, String, Vec<u8>) = sqlx::query_as(
                "SELECT organization_id, dek_id, wrapped FROM data_keys WHERE kek_id = $1 LIMIT 1",
            )
            .bind(&kek_id)
            .fetch_one(pool)
            .await
            .map_err(|e| e.to_string())?;
            crypto::unwrap(&self.keyring, &kek_id, &organization_id, &dek_id, &wrapped)
                .map_err(|e| format!("KIKET_MASTER_KEY cannot unwrap the stored data keys: {e}"))?;
            total += n.max(0) as u64;
        }
        Ok(total)
    }
}

/// The master keys `source` names: the configured ones, or in development the key file, created
/// at first start (mode 0600) with a warning.
pub fn keyring(source: &MasterKey) -> Result<Arc<Keyring>, String> {
    match source {
        MasterKey::Configured(ring) => Ok(ring.clone()),
        MasterKey::DevelopmentFile(path) => {
            let kek = match std::fs::read_to_string(path) {
                Ok(text) => Kek::from_base64(&text)
                    .map_err(|e| format!("{} does not hold a master key: {e}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let (kek, text) = Kek::generate();
                    write_key_file(path, text.expose_secret())
                        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                    kek
                }
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            };
            tracing::warn!(
                file = %path.display(),
                "KIKET_MASTER_KEY is not set: secrets are encrypted with the development key in this \
                 file. Anyone who can read it can read every secret. Set KIKET_MASTER_KEY in production."
            );
            Ok(Arc::new(Keyring::new(kek, Vec::new())))
        }
    }
}

/// Writes a new key file readable by its owner only.
fn write_key_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

async fn stored_data_key(
    conn: &mut AnyConnection,
    organization_id: &str,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT dek_id, kek_id, wrapped FROM data_keys WHERE organization_id = $1")
        .bind(organization_id)
        .fetch_optional(conn)
        .await
}

/// Re-wraps every organization's data key with `new`, reading them with `keyring` (which must
/// know the master keys they are wrapped with). Each data key is updated on its own, guarded by
/// the master key it was read with, so instances keep serving throughout: they read data keys
/// under either key as long as their keyring holds both.
pub async fn rotate_kek(
    pool: &AnyPool,
    keyring: &Keyring,
    new: &Kek,
) -> Result<Rotation, SecretError> {
    let rows: Vec<(String, String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT organization_id, dek_id, kek_id, wrapped FROM data_keys ORDER BY organization_id",
    )
    .fetch_all(pool)
    .await?;
    let mut report = Rotation::default();
    for (organization_id, dek_id, kek_id, wrapped) in rows {
        if kek_id == new.id() {
            report.unchanged += 1;
            continue;
        }
        let dek = crypto::unwrap(keyring, &kek_id, &organization_id, &dek_id, &wrapped)?;
        let rewrapped = crypto::wrap(new, &organization_id, &dek);
        let updated = sqlx::query(
            "UPDATE data_keys SET kek_id = $1, wrapped = $2, rewrapped_at = $3 \
             WHERE organization_id = $4 AND kek_id = $5",
        )
        .bind(new.id())
        .bind(rewrapped)
        .bind(now_ms())
        .bind(&organization_id)
        .bind(&kek_id)
        .execute(pool)
        .await?;
        if updated.rows_affected() == 1 {
            report.rewrapped += 1;
        } else {
            // Re-wrapped (or deleted) by someone else meanwhile.
            report.unchanged += 1;
        }
    }
    audit::record(
        pool,
        audit::Entry::new(None, "secrets.kek_rotated", "master_key", new.id()).with(
            serde_json::json!({ "rewrapped": report.rewrapped, "unchanged": report.unchanged }),
        ),
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("master.key");
        let source = MasterKey::DevelopmentFile(path.clone());
        let first = keyring(&source).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = keyring(&source).unwrap();
        assert_eq!(first.current().id(), again.current().id());
        std::fs::write(&path, "not a key").unwrap();
        let err = keyring(&source).unwrap_err();
        assert!(err.contains("does not hold a master key"), "{err}");
    }
}
