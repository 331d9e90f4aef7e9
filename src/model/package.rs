//! What a package is made of, independent of how it is read: where its manifest and its documents
//! are, and the limits every package must respect (SPEC §7).

/// Largest compressed package.
pub const MAX_COMPRESSED_BYTES: u64 = 50 * 1024 * 1024;
/// Largest unpacked size.
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// Most entries in a package.
pub const MAX_ENTRIES: usize = 5_000;

/// Largest document rendered on a listing; longer ones are cut with a note.
pub const MAX_DOC_BYTES: u64 = 512 * 1024;

/// Directories never packaged.
pub const EXCLUDED_DIRS: &[&str] = &[".git", "target", "node_modules"];

/// Finds the one manifest among a package's file paths (relative, `/`-separated), looked up as
/// `extension.yaml`, then `.kiket/manifest.yaml`, then `.kiket/extensions/<id>/manifest.yaml`.
/// Two manifests are refused: the package would be ambiguous.
pub fn find_manifest<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<String, String> {
    let mut found: Vec<&str> = paths
        .into_iter()
        .filter(|p| {
            *p == "extension.yaml"
                || *p == ".kiket/manifest.yaml"
                || (p.starts_with(".kiket/extensions/")
                    && p.ends_with("/manifest.yaml")
                    && p.matches('/').count() == 3)
        })
        .collect();
    found.sort_by_key(|p| match *p {
        "extension.yaml" => 0,
        ".kiket/manifest.yaml" => 1,
        _ => 2,
    });
    match found.as_slice() {
        [] => Err(
            "no manifest: add extension.yaml (or .kiket/manifest.yaml) at the top of the package"
                .into(),
        ),
        [one] => Ok(one.to_string()),
        [first, second, ..] => Err(format!(
            "two manifests ({first} and {second}): a package holds exactly one"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_manifest_in_lookup_order() {
        assert_eq!(
            find_manifest(["README.md", "extension.yaml"]).unwrap(),
            "extension.yaml"
        );
        assert_eq!(
            find_manifest([".kiket/manifest.yaml", "src/x.rb"]).unwrap(),
            ".kiket/manifest.yaml"
        );
        assert_eq!(
            find_manifest([".kiket/extensions/dev.x/manifest.yaml"]).unwrap(),
            ".kiket/extensions/dev.x/manifest.yaml"
        );
    }

    #[test]
    fn refuses_none_and_two() {
        assert!(find_manifest(["README.md"])
            .unwrap_err()
            .contains("no manifest"));
        let err = find_manifest([".kiket/manifest.yaml", "extension.yaml"]).unwrap_err();
        assert!(
            err.contains("extension.yaml and .kiket/manifest.yaml"),
            "{err}"
        );
        assert!(find_manifest(["docs/extension.yaml"]).is_err());
    }
}
