//! Packing an extension's tree into a `.tar.gz` the way the marketplace accepts it: the `kiket`
//! CLI packages with it, and the demo data is built with it from `examples/`.

use crate::model::package::EXCLUDED_DIRS;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file of a tree to pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path inside the package, `/`-separated.
    pub rel: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// Whether it is executable (mode 0755 in the archive).
    pub executable: bool,
}

/// Files of a project to package, sorted, relative with `/` separators. Links are refused;
/// `.git`, `target`, `node_modules` and a top-level `dist` are left out.
pub fn collect(root: &Path) -> Result<Vec<TreeFile>, String> {
    let mut out = Vec::new();
    let mut todo = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = todo.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|n| format!("{}: file names must be UTF-8", dir.join(n).display()))?;
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let meta =
                std::fs::symlink_metadata(entry.path()).map_err(|e| format!("{rel}: {e}"))?;
            if meta.file_type().is_symlink() {
                return Err(format!(
                    "{rel} is a symbolic link: packages cannot contain links"
                ));
            }
            if meta.is_dir() {
                if EXCLUDED_DIRS.contains(&name.as_str()) || (prefix.is_empty() && name == "dist") {
                    continue;
                }
                todo.push((entry.path(), rel));
            } else if meta.is_file() {
                #[cfg(unix)]
                let executable =
                    std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 != 0;
                #[cfg(not(unix))]
                let executable = false;
                out.push(TreeFile {
                    rel,
                    path: entry.path(),
                    executable,
                });
            } else {
                return Err(format!("{rel} is not a regular file"));
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// Writes `files` (path in package, content, executable) as a `.tar.gz` into `out`. Fixed gzip
/// header and tar metadata: the same files always give the same bytes.
pub fn write_archive<W: Write>(
    out: W,
    files: impl IntoIterator<Item = Result<(String, Vec<u8>, bool), String>>,
) -> Result<W, String> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(out, flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for file in files {
        let (rel, data, executable) = file?;
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(if executable { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, &rel, data.as_slice())
            .map_err(|e| format!("{rel}: {e}"))?;
    }
    let gz = tar.into_inner().map_err(|e| e.to_string())?;
    let mut out = gz.finish().map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(out)
}

/// Reads a tree's files for [`write_archive`].
pub fn read_tree(
    files: &[TreeFile],
) -> impl Iterator<Item = Result<(String, Vec<u8>, bool), String>> + '_ {
    files.iter().map(|f| {
        std::fs::read(&f.path)
            .map(|data| (f.rel.clone(), data, f.executable))
            .map_err(|e| format!("{}: {e}", f.rel))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_deterministic_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("extension.yaml"), "manifest_version: 2\n").unwrap();
        std::fs::create_dir_all(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/README.md"), "# Hi").unwrap();
        std::fs::create_dir_all(dir.path().join("node_modules/x")).unwrap();
        std::fs::write(dir.path().join("node_modules/x/index.js"), "x").unwrap();
        let files = collect(dir.path()).unwrap();
        assert_eq!(
            files.iter().map(|f| f.rel.as_str()).collect::<Vec<_>>(),
            vec!["docs/README.md", "extension.yaml"]
        );
        let a = write_archive(Vec::new(), read_tree(&files)).unwrap();
        let b = write_archive(Vec::new(), read_tree(&files)).unwrap();
        assert_eq!(a, b);
        let u = crate::model::unpack::unpack(&a).unwrap();
        assert_eq!(u.manifest(), b"manifest_version: 2\n");
    }
}
