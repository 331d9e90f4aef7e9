//! What visitors see: listed extensions and an extension's public page.

use crate::model::extension::{Deprecation, Listing, VersionDocs, VersionSummary};
use crate::model::manifest::names::CATEGORIES;
use crate::model::manifest::Manifest;
use serde::{Deserialize, Serialize};

/// An extension in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCard {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Publisher slug.
    pub publisher: String,
    /// Publisher name.
    pub publisher_name: String,
    /// Publisher verified.
    pub verified: bool,
    /// The listing.
    pub listing: Listing,
    /// The latest version.
    pub latest: String,
    /// Deprecated.
    pub deprecated: bool,
    /// Distinct active installations.
    pub installs: u64,
    /// The latest version ships an icon (served at [`icon_path`]).
    pub has_icon: bool,
    /// When its latest version was published or its listing last changed, unix ms.
    pub updated_at: i64,
}

/// Where an extension's icon is served (the latest version's icon file).
pub fn icon_path(key: &str) -> String {
    format!("/extensions/{key}/icon")
}

/// A published version on the public page, with the reasons of its badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicVersion {
    /// The version.
    pub summary: VersionSummary,
    /// Package sha256.
    pub sha256: String,
    /// When a reviewer published it, unix ms.
    pub published_at: i64,
    /// Why it was yanked.
    pub yank_reason: Option<String>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
}

/// An extension's public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionPage {
    /// The catalog card (name, publisher, listing, latest).
    pub card: CatalogCard,
    /// The deprecation, if any.
    pub deprecation: Option<Deprecation>,
    /// Published versions, highest first.
    pub versions: Vec<PublicVersion>,
    /// The latest version's manifest.
    pub manifest: Manifest,
    /// The latest version's documents.
    pub docs: VersionDocs,
}

/// A publisher's public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPublisher {
    /// Slug.
    pub slug: String,
    /// Name.
    pub display_name: String,
    /// Verified by a marketplace admin.
    pub verified: bool,
    /// Its listed extensions.
    pub extensions: Vec<CatalogCard>,
    /// The viewer is a member or a marketplace admin (and gets the management page instead).
    pub can_manage: bool,
}

/// Results per catalog page.
pub const PER_PAGE: u32 = 24;
/// Longest search text taken.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most search terms taken.
pub const MAX_TERMS: usize = 8;

/// How the catalog is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Sort {
    /// Best match first (with no search text: most installed first).
    #[default]
    Relevance,
    /// Most installed first.
    Installs,
    /// Most recently updated first.
    Updated,
    /// By name, A to Z.
    Name,
}

impl Sort {
    /// Every sort with its URL value and label.
    pub const ALL: [(Sort, &'static str, &'static str); 4] = [
        (Sort::Relevance, "relevance", "Relevance"),
        (Sort::Installs, "installs", "Most installed"),
        (Sort::Updated, "updated", "Recently updated"),
        (Sort::Name, "name", "Name"),
    ];

    /// The URL value.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or("relevance", |(_, v, _)| v)
    }

    /// Reads a URL value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, v, _)| *v == s)
            .map(|(s, _, _)| *s)
    }
}

/// The catalog's query string as received: every field as typed, nothing trusted yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogParams {
    /// Search text.
    pub q: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Trigger event.
    pub event: Option<String>,
    /// Permission scope.
    pub permission: Option<String>,
    /// `1`/`on`/`true`: verified publishers only.
    pub verified: Option<String>,
    /// Sort.
    pub sort: Option<String>,
    /// Page, from 1.
    pub page: Option<String>,
}

impl CatalogParams {
    /// Reads the parameters from URL query pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut p = Self::default();
        for (k, v) in pairs {
            let slot = match k {
                "q" => &mut p.q,
                "category" => &mut p.category,
                "event" => &mut p.event,
                "permission" => &mut p.permission,
                "verified" => &mut p.verified,
                "sort" => &mut p.sort,
                "page" => &mut p.page,
                _ => continue,
            };
            *slot = Some(v.to_string());
        }
        p
    }
}

/// A checked catalog query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CatalogQuery {
    /// Search text, trimmed (may be empty).
    pub q: String,
    /// Category filter.
    pub category: Option<String>,
    /// Trigger event filter.
    pub event: Option<String>,
    /// Permission filter (canonical scope).
    pub permission: Option<String>,
    /// Verified publishers only.
    pub verified: bool,
    /// Order.
    pub sort: Sort,
    /// Page, from 1.
    pub page: u32,
}

impl CatalogQuery {
    /// Checks the parameters. What cannot be used is dropped, and each drop is explained in the
    /// returned notices, so a mistyped link still shows a catalog and says what was ignored.
    pub fn parse(p: &CatalogParams) -> (Self, Vec<String>) {
        let mut notices = Vec::new();
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut q = text(&p.q).unwrap_or_default();
        if q.chars().count() > MAX_QUERY_CHARS {
            q = q.chars().take(MAX_QUERY_CHARS).collect();
            notices.push(format!(
                "The search text was cut to its first {MAX_QUERY_CHARS} characters."
            ));
        }
        let category = text(&p.category).and_then(|c| {
            if CATEGORIES.contains(&c.as_str()) {
                Some(c)
            } else {
                notices.push(format!(
                    "There is no category {c:?}; showing all categories."
                ));
                None
            }
        });
        let event = text(&p.event).and_then(|e| {
            match crate::model::manifest::names::EventName::parse(&e) {
                Ok(_) => Some(e),
                Err(_) => {
                    notices.push(format!(
                        "{e:?} is not an event name like issue.created; showing all events."
                    ));
                    None
                }
            }
        });
        let permission = text(&p.permission).and_then(|s| {
            match crate::model::manifest::names::Scope::parse(&s) {
                Ok(parsed) => Some(parsed.scope.as_str().to_string()),
                Err(_) => {
                    notices.push(format!(
                        "{s:?} is not a permission like issues:read; showing all permissions."
                    ));
                    None
                }
            }
        });
        let verified = match text(&p.verified).as_deref() {
            None | Some("0" | "false" | "off") => false,
            Some("1" | "true" | "on") => true,
            Some(other) => {
                notices.push(format!(
                    "verified={other:?} is not understood; showing every publisher."
                ));
                false
            }
        };
        let sort = match text(&p.sort) {
            None => Sort::Relevance,
            Some(s) => Sort::parse(&s).unwrap_or_else(|| {
                notices.push(format!(
                    "There is no sort {s:?}; sorted by relevance. Choose relevance, installs, updated or name."
                ));
                Sort::Relevance
            }),
        };
        let page = match text(&p.page) {
            None => 1,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    notices.push(format!("Page {s:?} does not exist; showing page 1."));
                    1
                }
            },
        };
        (
            Self {
                q,
                category,
                event,
                permission,
                verified,
                sort,
                page,
            },
            notices,
        )
    }

    /// The search terms: letters and digits, lower-cased, at most [`MAX_TERMS`].
    pub fn terms(&self) -> Vec<String> {
        self.q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(|t| t.to_lowercase().chars().take(64).collect::<String>())
            .take(MAX_TERMS)
            .collect()
    }

    /// The FTS5 `MATCH` expression: every term must occur; the last one as a prefix too, since
    /// it may still be being typed (earlier words are complete). Terms are quoted, so no user
    /// text is read as query syntax.
    pub fn fts5_match(&self) -> Option<String> {
        let terms = self.terms();
        let last = terms.len().checked_sub(1)?;
        Some(
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if i == last {
                        format!("\"{t}\"*")
                    } else {
                        format!("\"{t}\"")
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// The PostgreSQL `to_tsquery('simple', …)` text with the same meaning as [`Self::fts5_match`].
    pub fn tsquery(&self) -> Option<String> {
        let terms = self.terms();
        let last = terms.len().checked_sub(1)?;
        Some(
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if i == last {
                        format!("{t}:*")
                    } else {
                        t.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" & "),
        )
    }

    /// The order actually used: relevance without search text means most installed.
    pub fn effective_sort(&self) -> Sort {
        match self.sort {
            Sort::Relevance if self.terms().is_empty() => Sort::Installs,
            s => s,
        }
    }

    /// The query string of this query on `page` (defaults left out), for links.
    pub fn to_query_string(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        for (name, value) in [
            ("category", &self.category),
            ("event", &self.event),
            ("permission", &self.permission),
        ] {
            if let Some(v) = value {
                pairs.push((name, v.clone()));
            }
        }
        if self.verified {
            pairs.push(("verified", "1".into()));
        }
        if self.sort != Sort::Relevance {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        if pairs.is_empty() {
            return String::new();
        }
        let mut query = form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
        query.extend_pairs(pairs);
        query.finish()
    }

    /// Whether any filter (not the search text) is set.
    pub fn has_filters(&self) -> bool {
        self.category.is_some()
            || self.event.is_some()
            || self.permission.is_some()
            || self.verified
    }
}

/// Values the filters offer, from what listed extensions use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Categories with their number of listed extensions.
    pub categories: Vec<(String, u64)>,
    /// Trigger events with their number of listed extensions.
    pub events: Vec<(String, u64)>,
    /// Permission scopes with their number of listed extensions.
    pub permissions: Vec<(String, u64)>,
}

/// One page of catalog results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    /// The query as understood.
    pub query: CatalogQuery,
    /// Why parts of the query were ignored.
    pub notices: Vec<String>,
    /// This page's extensions.
    pub cards: Vec<CatalogCard>,
    /// Matches over all pages.
    pub total: u64,
    /// Results per page.
    pub per_page: u32,
}

impl CatalogPage {
    /// Number of pages (at least 1).
    pub fn pages(&self) -> u32 {
        (self.total.div_ceil(u64::from(self.per_page)).max(1)).min(u64::from(u32::MAX)) as u32
    }
}

/// A category's label: `project_management` → `Project management`.
pub fn category_label(c: &str) -> String {
    let spaced = c.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn parse(pairs: &[(&str, &str)]) -> (CatalogQuery, Vec<String>) {
        CatalogQuery::parse(&CatalogParams::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn empty_query_is_the_default() {
        let (q, notices) = parse(&[]);
        assert_eq!(q.page, 1);
        assert_eq!(q.sort, Sort::Relevance);
        assert_eq!(q.effective_sort(), Sort::Installs);
        assert!(notices.is_empty());
        assert_eq!(q.to_query_string(1), "");
    }

    #[rstest]
    #[case(&[("sort", "newest")], "There is no sort")]
    #[case(&[("page", "0")], "Page \"0\" does not exist")]
    #[case(&[("page", "x")], "Page \"x\" does not exist")]
    #[case(&[("category", "games")], "There is no category")]
    #[case(&[("event", "Issue Created")], "is not an event name")]
    #[case(&[("permission", "everything")], "is not a permission")]
    #[case(&[("verified", "maybe")], "is not understood")]
    fn bad_parameters_are_dropped_with_a_notice(
        #[case] pairs: &[(&str, &str)],
        #[case] notice: &str,
    ) {
        let (q, notices) = parse(pairs);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains(notice), "{notices:?}");
        assert_eq!(q, parse(&[]).0);
    }

    #[test]
    fn terms_are_words_without_query_syntax() {
        let (q, _) = parse(&[("q", "  Slack-Notifier \"OR\" NEAR(x* ")]);
        assert_eq!(q.terms(), ["slack", "notifier", "or", "near", "x"]);
        assert_eq!(
            q.fts5_match().unwrap(),
            r#""slack" "notifier" "or" "near" "x"*"#
        );
        assert_eq!(q.tsquery().unwrap(), "slack & notifier & or & near & x:*");
        let (none, _) = parse(&[("q", " -- ")]);
        assert_eq!(none.fts5_match(), None);
        assert_eq!(none.effective_sort(), Sort::Installs);
    }

    #[test]
    fn long_text_is_cut_with_a_notice() {
        let long = "a ".repeat(300);
        let (q, notices) = parse(&[("q", &long)]);
        assert!(q.q.chars().count() <= MAX_QUERY_CHARS);
        assert_eq!(q.terms().len(), MAX_TERMS);
        assert_eq!(notices.len(), 1);
    }

    #[test]
    fn permissions_are_normalized_and_links_round_trip() {
        let (q, notices) = parse(&[
            ("q", "deploy gate"),
            ("permission", "read:issues"),
            ("category", "operations"),
            ("verified", "on"),
            ("sort", "name"),
            ("page", "3"),
        ]);
        assert!(notices.is_empty());
        assert_eq!(q.permission.as_deref(), Some("issues:read"));
        let link = q.to_query_string(2);
        assert_eq!(
            link,
            "?q=deploy+gate&category=operations&permission=issues%3Aread&verified=1&sort=name&page=2"
        );
        let (again, _) = CatalogQuery::parse(&CatalogParams::from_pairs(
            form_urlencoded::parse(&link.as_bytes()[1..])
                .collect::<Vec<_>>()
                .iter()
                .map(|(k, v)| (k.as_ref(), v.as_ref())),
        ));
        assert_eq!(again, CatalogQuery { page: 2, ..q });
    }

    #[rstest]
    #[case(0, 1)]
    #[case(1, 1)]
    #[case(24, 1)]
    #[case(25, 2)]
    #[case(10_000, 417)]
    fn page_count(#[case] total: u64, #[case] pages: u32) {
        let page = CatalogPage {
            query: CatalogQuery::default(),
            notices: vec![],
            cards: vec![],
            total,
            per_page: PER_PAGE,
        };
        assert_eq!(page.pages(), pages);
    }
}
