//! Envelope encryption (SPEC §5): XChaCha20-Poly1305 everywhere.
//!
//! - The **key-encryption key** (KEK) comes from the environment and never touches the database;
//!   its id is derived from it, so a stored row names the KEK that wrapped it without revealing it.
//! - Each organization has a random 32-byte **data key** (DEK), stored wrapped by a KEK with
//!   associated data naming the organization and the DEK, so a wrapped key cannot be moved to
//!   another organization.
//! - Each secret value is sealed with its organization's DEK as
//!   `format version (1 byte) | DEK id (16 bytes) | nonce (24 bytes) | ciphertext+tag`, with
//!   associated data binding it to its row (scope kind, scope id, key, version): a ciphertext moved
//!   to another row, or to another version of its own row, does not open.
//!
//! Keys live in `secrecy`/`zeroize` types and are wiped when dropped; plaintext comes back as
//! [`SecretString`].

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The ciphertext format this code writes.
pub const FORMAT_VERSION: u8 = 1;
/// Length of a key id.
pub const KEY_ID_LEN: usize = 16;
/// Length of an XChaCha20 nonce.
pub const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// Why a key or a ciphertext was refused. None of them carries key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The master key is not base64 of exactly 32 bytes.
    #[error("the master key must be base64 of exactly 32 bytes ({0})")]
    BadMasterKey(String),
    /// Too short to be a ciphertext of this format.
    #[error("the stored ciphertext is malformed")]
    Malformed,
    /// Written by a format this code does not know.
    #[error("the stored ciphertext has unknown format version {0}")]
    UnknownFormat(u8),
    /// Sealed with another data key than the organization's.
    #[error("the stored ciphertext was sealed with another data key than its organization's")]
    WrongDataKey,
    /// The tag did not verify: changed bytes, or a ciphertext from another row.
    #[error("the stored ciphertext does not verify: it was altered or belongs to another row")]
    Tampered,
    /// The data key is wrapped by a master key that is not configured.
    #[error("the data key is wrapped by master key {0}, which is not configured")]
    UnknownKek(String),
    /// The configured master key with this id did not unwrap the data key.
    #[error(
        "master key {0} does not unwrap the data key: the key or the stored data key is wrong"
    )]
    WrongKek(String),
}

/// A key-encryption key.
pub struct Kek {
    id: String,
    key: SecretBox<[u8; 32]>,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Kek {
    /// Reads a KEK from base64 (standard alphabet, padding optional) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .map_err(|_| CryptoError::BadMasterKey("it is not base64".into()))?,
        );
        if bytes.len() != 32 {
            return Err(CryptoError::BadMasterKey(format!(
                "it decodes to {} bytes",
                bytes.len()
            )));
        }
        let mut key = Box::new([0u8; 32]);
        key.copy_from_slice(&bytes);
        Ok(Self::from_bytes(key))
    }

    fn from_bytes(key: Box<[u8; 32]>) -> Self {
        let mut h = Sha256::new();
        h.update(b"kiket-kek-id\0");
        h.update(key.as_slice());
        let digest = h.finalize();
        let id = format!("kek_{}", hex(&digest[..8]));
        Self {
            id,
            key: SecretBox::new(key),
        }
    }

    /// A new random KEK and its base64 text (for a development key file or a rotation).
    pub fn generate() -> (Self, SecretString) {
        let mut key = Box::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut_slice());
        let text = base64::engine::general_purpose::STANDARD.encode(key.as_slice());
        (Self::from_bytes(key), SecretString::from(text))
    }

    /// The id stored beside everything this KEK wraps.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.expose_secret().into())
    }
}

/// The KEKs this process knows: the current one wraps new data keys; previous ones are only read
/// (during a rotation).
#[derive(Debug)]
pub struct Keyring {
    current: Kek,
    previous: Vec<Kek>,
}

impl Keyring {
    /// A keyring of `current` and, read-only, `previous`.
    pub fn new(current: Kek, previous: Vec<Kek>) -> Self {
        Self { current, previous }
    }

    /// The KEK new data keys are wrapped with.
    pub fn current(&self) -> &Kek {
        &self.current
    }

    /// The KEK with `id`, if configured.
    pub fn get(&self, id: &str) -> Option<&Kek> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
    }

    /// Ids of every configured KEK.
    pub fn ids(&self) -> Vec<&str> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|k| k.id.as_str())
            .collect()
    }
}

/// An organization's data key.
pub struct DataKey {
    id: [u8; KEY_ID_LEN],
    key: SecretBox<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id_hex())
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// A new random data key.
    pub fn generate() -> Self {
        let mut id = [0u8; KEY_ID_LEN];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let mut key = Box::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut_slice());
        Self {
            id,
            key: SecretBox::new(key),
        }
    }

    /// The id, as stored (hex).
    pub fn id_hex(&self) -> String {
        hex(&self.id)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.expose_secret().into())
    }
}

fn nonce() -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut n);
    n
}

/// Length-prefixed fields, so that no two different bindings share their bytes.
fn associated(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn dek_binding(organization_id: &str, dek_id: &[u8]) -> Vec<u8> {
    associated(&[b"kiket-data-key", organization_id.as_bytes(), dek_id])
}

/// Wraps `dek` for `organization_id` with `kek`: `nonce | ciphertext+tag`.
pub fn wrap(kek: &Kek, organization_id: &str, dek: &DataKey) -> Vec<u8> {
    let n = nonce();
    let aad = dek_binding(organization_id, &dek.id);
    let sealed = kek
        .cipher()
        .encrypt(
            XNonce::from_slice(&n),
            Payload {
                msg: dek.key.expose_secret().as_slice(),
                aad: &aad,
            },
        )
        .unwrap_or_default();
    [n.as_slice(), &sealed].concat()
}

/// Unwraps the data key `dek_id` (hex) of `organization_id`, wrapped by the KEK `kek_id`.
pub fn unwrap(
    keyring: &Keyring,
    kek_id: &str,
    organization_id: &str,
    dek_id: &str,
    wrapped: &[u8],
) -> Result<DataKey, CryptoError> {
    let kek = keyring
        .get(kek_id)
        .ok_or_else(|| CryptoError::UnknownKek(kek_id.to_string()))?;
    let id = unhex(dek_id).ok_or(CryptoError::Malformed)?;
    if wrapped.len() <= NONCE_LEN {
        return Err(CryptoError::Malformed);
    }
    let (n, sealed) = wrapped.split_at(NONCE_LEN);
    let aad = dek_binding(organization_id, &id);
    let plain = Zeroizing::new(
        kek.cipher()
            .decrypt(
                XNonce::from_slice(n),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::WrongKek(kek_id.to_string()))?,
    );
    if plain.len() != 32 {
        return Err(CryptoError::WrongKek(kek_id.to_string()));
    }
    let mut key = Box::new([0u8; 32]);
    key.copy_from_slice(&plain);
    Ok(DataKey {
        id,
        key: SecretBox::new(key),
    })
}

/// The row a secret value belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    /// `organization`, `project`, `extension` or `installation`.
    pub scope_kind: &'a str,
    /// The scope's id.
    pub scope_id: &'a str,
    /// The secret's key.
    pub key: &'a str,
    /// The secret's version.
    pub version: i64,
}

impl Binding<'_> {
    fn bytes(&self) -> Vec<u8> {
        associated(&[
            b"kiket-secret",
            self.scope_kind.as_bytes(),
            self.scope_id.as_bytes(),
            self.key.as_bytes(),
            &self.version.to_be_bytes(),
        ])
    }
}

/// Seals `plaintext` for the row `binding` with `dek`.
pub fn seal(dek: &DataKey, binding: &Binding<'_>, plaintext: &[u8]) -> Vec<u8> {
    let n = nonce();
    let sealed = dek
        .cipher()
        .encrypt(
            XNonce::from_slice(&n),
            Payload {
                msg: plaintext,
                aad: &binding.bytes(),
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&dek.id);
    out.extend_from_slice(&n);
    out.extend_from_slice(&sealed);
    out
}

/// The id (hex) of the data key a ciphertext was sealed with.
pub fn sealed_with(ciphertext: &[u8]) -> Result<String, CryptoError> {
    if ciphertext.len() < HEADER_LEN {
        return Err(CryptoError::Malformed);
    }
    if ciphertext[0] != FORMAT_VERSION {
        return Err(CryptoError::UnknownFormat(ciphertext[0]));
    }
    Ok(hex(&ciphertext[1..1 + KEY_ID_LEN]))
}

/// Opens a ciphertext of the row `binding` with `dek`.
pub fn open(
    dek: &DataKey,
    binding: &Binding<'_>,
    ciphertext: &[u8],
) -> Result<SecretString, CryptoError> {
    if sealed_with(ciphertext)? != dek.id_hex() {
        return Err(CryptoError::WrongDataKey);
    }
    let n = &ciphertext[1 + KEY_ID_LEN..HEADER_LEN];
    let plain = Zeroizing::new(
        dek.cipher()
            .decrypt(
                XNonce::from_slice(n),
                Payload {
                    msg: &ciphertext[HEADER_LEN..],
                    aad: &binding.bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)?,
    );
    let text = String::from_utf8(plain.to_vec()).map_err(|_| CryptoError::Tampered)?;
    Ok(SecretString::from(text))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; KEY_ID_LEN]> {
    if s.len() != KEY_ID_LEN * 2 {
        return None;
    }
    let mut out = [0u8; KEY_ID_LEN];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(version: i64) -> Binding<'static> {
        Binding {
            scope_kind: "organization",
            scope_id: "org_1",
            key: "API_TOKEN",
            version,
        }
    }

    #[test]
    fn a_sealed_value_opens_only_on_its_row() {
        let dek = DataKey::generate();
        let ct = seal(&dek, &binding(1), b"s3cr3t-value");
        assert_eq!(ct[0], FORMAT_VERSION);
        assert!(!ct.windows(12).any(|w| w == b"s3cr3t-value"));
        assert_eq!(
            open(&dek, &binding(1), &ct).unwrap().expose_secret(),
            "s3cr3t-value"
        );
        // Another version, key, scope id or kind: refused.
        assert_eq!(
            open(&dek, &binding(2), &ct).unwrap_err(),
            CryptoError::Tampered
        );
        for other in [
            Binding {
                key: "OTHER",
                ..binding(1)
            },
            Binding {
                scope_id: "org_2",
                ..binding(1)
            },
            Binding {
                scope_kind: "project",
                ..binding(1)
            },
        ] {
            assert_eq!(open(&dek, &other, &ct).unwrap_err(), CryptoError::Tampered);
        }
        // Every flipped byte is noticed.
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert!(open(&dek, &binding(1), &bad).is_err(), "byte {i}");
        }
        assert_eq!(
            open(&DataKey::generate(), &binding(1), &ct).unwrap_err(),
            CryptoError::WrongDataKey
        );
        assert_eq!(
            open(&dek, &binding(1), &ct[..10]).unwrap_err(),
            CryptoError::Malformed
        );
        let mut future = ct.clone();
        future[0] = 9;
        assert_eq!(
            open(&dek, &binding(1), &future).unwrap_err(),
            CryptoError::UnknownFormat(9)
        );
    }

    #[test]
    fn data_keys_unwrap_with_their_kek_and_organization_only() {
        let (k1, _) = Kek::generate();
        let (k2, _) = Kek::generate();
        let k1_id = k1.id().to_string();
        let dek = DataKey::generate();
        let wrapped = wrap(&k1, "org_1", &dek);
        let ring = Keyring::new(k1, vec![]);
        let back = unwrap(&ring, &k1_id, "org_1", &dek.id_hex(), &wrapped).unwrap();
        let ct = seal(&dek, &binding(1), b"x");
        assert_eq!(open(&back, &binding(1), &ct).unwrap().expose_secret(), "x");
        assert!(matches!(
            unwrap(&ring, &k1_id, "org_2", &dek.id_hex(), &wrapped),
            Err(CryptoError::WrongKek(_))
        ));
        let other = Keyring::new(k2, vec![]);
        assert_eq!(
            unwrap(&other, &k1_id, "org_1", &dek.id_hex(), &wrapped).unwrap_err(),
            CryptoError::UnknownKek(k1_id.clone())
        );
    }

    #[test]
    fn master_keys_are_32_bytes_of_base64_with_stable_ids() {
        let (k, text) = Kek::generate();
        let again = Kek::from_base64(text.expose_secret()).unwrap();
        assert_eq!(k.id(), again.id());
        assert!(k.id().starts_with("kek_"));
        assert!(matches!(
            Kek::from_base64("c2hvcnQ="),
            Err(CryptoError::BadMasterKey(m)) if m.contains("5 bytes")
        ));
        assert!(matches!(
            Kek::from_base64("not base64!"),
            Err(CryptoError::BadMasterKey(_))
        ));
        // Debug output never shows key material.
        assert!(!format!("{k:?}").contains(text.expose_secret()));
    }
}
