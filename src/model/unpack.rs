//! The bounded archive reader: a `.tar.gz` package becomes a list of files with their sizes,
//! hashes and scan results, or a refusal that says exactly what is wrong. Nothing is written to
//! disk and only small files are kept in memory (the browser runs this too, before uploading); sizes and counts are checked while reading, so a
//! decompression bomb is stopped at the limit, not after.

use crate::model::checks::{FileFacts, FileScan};
use crate::model::package::{find_manifest, MAX_COMPRESSED_BYTES, MAX_ENTRIES, MAX_UNPACKED_BYTES};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

/// Files up to this size are kept in memory (the manifest, documents, small sources); larger ones
/// are hashed and scanned as they stream past.
pub const KEEP_BYTES: u64 = 1024 * 1024;

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex sha256 of the content.
    pub sha256: String,
    /// The content, for files of at most [`KEEP_BYTES`].
    pub content: Option<Vec<u8>>,
    /// What the automated checks need to know about the content.
    pub scan: FileScan,
}

impl PackageFile {
    /// A file from its whole content.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self {
            size: bytes.len() as u64,
            sha256: format!("{:x}", Sha256::digest(bytes)),
            content: (bytes.len() as u64 <= KEEP_BYTES).then(|| bytes.to_vec()),
            scan: FileScan::of(bytes),
        }
    }
}

/// The readable content of a package.
#[derive(Debug, Clone)]
pub struct Unpacked {
    /// Files by their path inside the package (`/`-separated, no leading `./`).
    pub files: BTreeMap<String, PackageFile>,
    /// Path of the manifest.
    pub manifest_path: String,
    /// Unpacked size in bytes.
    pub total_bytes: u64,
}

impl Unpacked {
    /// The manifest's bytes.
    pub fn manifest(&self) -> &[u8] {
        self.content(&self.manifest_path).unwrap_or_default()
    }

    /// The content of a kept file.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).and_then(|f| f.content.as_deref())
    }

    /// The files as the automated checks see them.
    pub fn facts(&self) -> Vec<FileFacts<'_>> {
        self.files
            .iter()
            .map(|(path, f)| FileFacts {
                path,
                size: f.size,
                scan: &f.scan,
            })
            .collect()
    }
}

/// Why a package was refused. Each message names the entry at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnpackError {
    /// Larger than the upload limit.
    #[error("the package is larger than {} MB", MAX_COMPRESSED_BYTES / (1024 * 1024))]
    TooLargeCompressed,
    /// Not gzip data.
    #[error("the package is not a gzip-compressed tar archive (.tar.gz)")]
    NotGzip,
    /// The tar stream is damaged.
    #[error("the archive is damaged: {0}")]
    Damaged(String),
    /// Too many entries.
    #[error("the package has more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    /// Unpacks to too much data.
    #[error("the package unpacks to more than {} MB", MAX_UNPACKED_BYTES / (1024 * 1024))]
    TooLarge,
    /// An absolute path.
    #[error("{0:?} is an absolute path; paths must be relative to the package root")]
    AbsolutePath(String),
    /// A path that climbs out of the package.
    #[error("{0:?} contains \"..\"; paths may not leave the package")]
    ParentDir(String),
    /// A symbolic link.
    #[error("{0:?} is a symbolic link; packages cannot contain links")]
    Symlink(String),
    /// A hard link.
    #[error("{0:?} is a hard link; packages cannot contain links")]
    Hardlink(String),
    /// A device, fifo or other special file.
    #[error("{0:?} is a device or special file; packages hold only files and directories")]
    Special(String),
    /// The same path twice.
    #[error("{0:?} appears twice in the archive")]
    Duplicate(String),
    /// A name that is not UTF-8.
    #[error("an entry's name is not UTF-8 text ({0})")]
    NonUtf8Name(String),
    /// No manifest, or two.
    #[error("{0}")]
    Manifest(String),
}

fn clean_path(raw: &str) -> Result<Option<String>, UnpackError> {
    if raw.starts_with('/')
        || raw.starts_with('\\')
        || raw.get(1..3) == Some(":\\")
        || raw.get(1..3) == Some(":/")
    {
        return Err(UnpackError::AbsolutePath(raw.to_string()));
    }
    let mut parts = Vec::new();
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(UnpackError::ParentDir(raw.to_string())),
            p => parts.push(p),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// Reads a `.tar.gz` package held in memory within the limits of SPEC §7.
pub fn unpack(compressed: &[u8]) -> Result<Unpacked, UnpackError> {
    if compressed.len() as u64 > MAX_COMPRESSED_BYTES {
        return Err(UnpackError::TooLargeCompressed);
    }
    unpack_reader(compressed)
}

/// Reads a `.tar.gz` package from `reader` within the limits of SPEC §7. The caller bounds the
/// compressed size (an upload is cut at the limit while it streams in).
pub fn unpack_reader(reader: impl Read) -> Result<Unpacked, UnpackError> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let magic = reader
        .fill_buf()
        .map_err(|e| UnpackError::Damaged(e.to_string()))?;
    if !magic.starts_with(&[0x1f, 0x8b]) {
        return Err(UnpackError::NotGzip);
    }
    let mut archive = tar::Archive::new(flate2::bufread::GzDecoder::new(reader));
    let entries = archive
        .entries()
        .map_err(|e| UnpackError::Damaged(e.to_string()))?;
    let mut files: BTreeMap<String, PackageFile> = BTreeMap::new();
    let mut dirs = std::collections::BTreeSet::new();
    let mut count = 0usize;
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for entry in entries {
        let mut entry = entry.map_err(|e| UnpackError::Damaged(e.to_string()))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(UnpackError::TooManyEntries);
        }
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw).map_err(|e| {
            UnpackError::NonUtf8Name(String::from_utf8_lossy(e.as_bytes()).into_owned())
        })?;
        let kind = entry.header().entry_type();
        let path = clean_path(&name)?;
        match kind {
            tar::EntryType::Symlink => return Err(UnpackError::Symlink(name)),
            tar::EntryType::Link => return Err(UnpackError::Hardlink(name)),
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                return Err(UnpackError::Special(name))
            }
            tar::EntryType::Directory => {
                if let Some(p) = path {
                    dirs.insert(p);
                }
                continue;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {}
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
            _ => return Err(UnpackError::Special(name)),
        }
        let Some(path) = path else {
            return Err(UnpackError::Special(name));
        };
        if files.contains_key(&path) || dirs.contains(&path) {
            return Err(UnpackError::Duplicate(path));
        }
        let mut hasher = Sha256::new();
        let mut scan = FileScan::default();
        let mut content = Vec::new();
        let mut size = 0u64;
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| UnpackError::Damaged(e.to_string()))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if total > MAX_UNPACKED_BYTES {
                return Err(UnpackError::TooLarge);
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            scan.feed(chunk);
            if size <= KEEP_BYTES {
                content.extend_from_slice(chunk);
            } else if !content.is_empty() {
                content = Vec::new();
            }
        }
        files.insert(
            path,
            PackageFile {
                size,
                sha256: format!("{:x}", hasher.finalize()),
                content: (size <= KEEP_BYTES).then_some(content),
                scan,
            },
        );
    }
    if count == 0 {
        return Err(UnpackError::Damaged("it holds no files".into()));
    }
    let manifest_path =
        find_manifest(files.keys().map(String::as_str)).map_err(UnpackError::Manifest)?;
    Ok(Unpacked {
        files,
        manifest_path,
        total_bytes: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An entry to put in a test archive: raw name bytes, type, content.
    struct E(&'static [u8], tar::EntryType, &'static [u8]);

    fn archive(entries: &[E]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        {
            let mut tar = tar::Builder::new(&mut gz);
            for E(name, kind, data) in entries {
                let mut header = tar::Header::new_old();
                // Raw names, so that paths the tar crate would refuse to write can be tested.
                header.as_old_mut().name[..name.len()].copy_from_slice(name);
                header.set_entry_type(*kind);
                header.set_size(data.len() as u64);
                header.set_mode(0o644);
                if *kind == tar::EntryType::Symlink || *kind == tar::EntryType::Link {
                    header.set_link_name("target").unwrap();
                    header.set_size(0);
                }
                header.set_cksum();
                let body: &[u8] = if header.size().unwrap() == 0 {
                    &[]
                } else {
                    data
                };
                tar.append(&header, body).unwrap();
            }
            tar.finish().unwrap();
        }
        gz.flush().unwrap();
        gz.finish().unwrap()
    }

    const MANIFEST: E = E(
        b"extension.yaml",
        tar::EntryType::Regular,
        b"manifest_version: 2\n",
    );

    #[test]
    fn a_plain_package_unpacks() {
        let bytes = archive(&[
            MANIFEST,
            E(b"./docs/README.md", tar::EntryType::Regular, b"# Hi"),
            E(b"docs/", tar::EntryType::Directory, b""),
        ]);
        let u = unpack(&bytes).unwrap();
        assert_eq!(u.manifest_path, "extension.yaml");
        assert_eq!(u.manifest(), b"manifest_version: 2\n");
        assert_eq!(
            u.files.keys().collect::<Vec<_>>(),
            vec!["docs/README.md", "extension.yaml"]
        );
        assert_eq!(u.total_bytes, 24);
        assert_eq!(
            u.files["docs/README.md"].sha256,
            "38c64a17e33e98b7abb8edace0888dffe5918eea28fe4812281fa1ecc0664af4"
        );
    }

    #[test]
    fn large_files_are_hashed_and_scanned_but_not_kept() {
        let mut big = vec![b'a'; (KEEP_BYTES + 10) as usize];
        big.extend_from_slice(b" -----BEGIN PRIVATE KEY----- ");
        let big: &'static [u8] = Box::leak(big.into_boxed_slice());
        let u = unpack(&archive(&[
            MANIFEST,
            E(b"data.bin", tar::EntryType::Regular, big),
        ]))
        .unwrap();
        let f = &u.files["data.bin"];
        assert_eq!(f.content, None);
        assert_eq!(f.size, big.len() as u64);
        assert_eq!(f.sha256, format!("{:x}", Sha256::digest(big)));
        assert_eq!(f.scan, FileScan::of(big));
    }

    #[rstest::rstest]
    #[case(E(b"/etc/passwd", tar::EntryType::Regular, b"x"), "absolute path")]
    #[case(E(b"../evil", tar::EntryType::Regular, b"x"), "\"..\"")]
    #[case(E(b"docs/../../evil", tar::EntryType::Regular, b"x"), "\"..\"")]
    #[case(E(b"link", tar::EntryType::Symlink, b""), "symbolic link")]
    #[case(E(b"hard", tar::EntryType::Link, b""), "hard link")]
    #[case(E(b"dev", tar::EntryType::Char, b""), "device")]
    #[case(E(b"fifo", tar::EntryType::Fifo, b""), "device")]
    #[case(
        E(b"extension.yaml", tar::EntryType::Regular, b"again"),
        "appears twice"
    )]
    #[case(E(b"bad\xff.txt", tar::EntryType::Regular, b"x"), "not UTF-8")]
    #[case(
        E(b".kiket/manifest.yaml", tar::EntryType::Regular, b"x"),
        "two manifests"
    )]
    fn each_refusal_says_what_is_wrong(#[case] bad: E, #[case] expected: &str) {
        let err = unpack(&archive(&[MANIFEST, bad])).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }

    #[test]
    fn no_manifest_and_not_gzip_are_refused() {
        let err = unpack(&archive(&[E(b"README.md", tar::EntryType::Regular, b"x")])).unwrap_err();
        assert!(err.to_string().contains("no manifest"), "{err}");
        assert_eq!(
            unpack(b"PK\x03\x04 zip file").unwrap_err(),
            UnpackError::NotGzip
        );
        let mut broken = archive(&[MANIFEST]);
        broken.truncate(20);
        assert!(matches!(unpack(&broken), Err(UnpackError::Damaged(_))));
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        // 201 MB of zeros compresses to a few hundred KB.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        {
            let mut tar = tar::Builder::new(&mut gz);
            let mut header = tar::Header::new_gnu();
            header.set_size(MAX_UNPACKED_BYTES + 1024 * 1024);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(
                &mut header,
                "zeros.bin",
                std::io::repeat(0).take(MAX_UNPACKED_BYTES + 1024 * 1024),
            )
            .unwrap();
            tar.finish().unwrap();
        }
        let bytes = gz.finish().unwrap();
        assert!(bytes.len() < 1024 * 1024);
        assert_eq!(unpack(&bytes).unwrap_err(), UnpackError::TooLarge);
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("f{i}")).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        {
            let mut tar = tar::Builder::new(&mut gz);
            for n in &names {
                let mut header = tar::Header::new_gnu();
                header.set_size(0);
                header.set_mode(0o644);
                tar.append_data(&mut header, n, std::io::empty()).unwrap();
            }
            tar.finish().unwrap();
        }
        assert_eq!(
            unpack(&gz.finish().unwrap()).unwrap_err(),
            UnpackError::TooManyEntries
        );
    }
}
