//! `/extensions/{key}`: an extension's public page, in tabs that are plain links (`?tab=`), so
//! each tab has its own shareable address and works without JavaScript.

use crate::api::catalog::get_extension_page;
use crate::components::card::ExtensionIcon;
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::model::catalog::ExtensionPage;
use crate::model::extension::download_path;
use crate::model::manifest::names::Scope;
use crate::model::manifest::Delivery;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

const TABS: &[(&str, &str)] = &[
    ("overview", "Overview"),
    ("versions", "Versions"),
    ("changelog", "Changelog"),
    ("getting-started", "Getting started"),
    ("permissions", "Permissions & events"),
    ("settings", "Settings"),
];

/// The public extension page.
#[component]
pub fn ExtensionPublicPage() -> impl IntoView {
    let key = use_params_map().with_untracked(|p| p.get("key").unwrap_or_default());
    let page = Resource::new(move || key.clone(), get_extension_page);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => view! { <Page p /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Page(p: ExtensionPage) -> impl IntoView {
    let query = use_query_map();
    let tab = move || query.with(|q| q.get("tab").unwrap_or_else(|| "overview".into()));
    let c = p.card.clone();
    let now = crate::components::time::now_ms();
    let refused = p
        .deprecation
        .as_ref()
        .is_some_and(|d| d.refuses_installs(now));
    let base = format!("/extensions/{}", c.key);
    let installs = match c.installs {
        1 => "1 install".to_string(),
        n => format!("{n} installs"),
    };
    view! {
        <Title text=c.name.clone() />
        <Meta name="description" content=c.listing.summary.clone() />
        <section class="page">
            <header class="extension-header">
                <ExtensionIcon card=c.clone() class="icon large" />
                <div>
                    <h1>{c.name.clone()}</h1>
                    <p class="hint">
                        "by " <a href=format!("/publishers/{}", c.publisher)>{c.publisher_name.clone()}</a>
                        {c.verified.then(|| view! { " " <span class="badge verified" title="Verified publisher">"verified"</span> })}
                        {format!(" · version {} · {} · updated ", c.latest, installs)}<When ms=c.updated_at />
                    </p>
                    <p class="lead">{c.listing.summary.clone()}</p>
                    {if refused {
                        view! { <p class="error">"New installs are no longer accepted."</p> }.into_any()
                    } else {
                        view! { <a class="button primary" href=format!("/extensions/{}/install", c.key)>"Install"</a> }.into_any()
                    }}
                </div>
            </header>
            {p.deprecation.clone().map(|d| view! {
                <div class="notice warning-notice" role="status">
                    <p><strong>"Deprecated: "</strong>{d.reason.clone()}</p>
                    {d.replacement.clone().map(|r| view! { <p>"Use instead: " <a href=format!("/extensions/{r}")>{r.clone()}</a></p> })}
                    {d.deadline.map(|ms| view! { <p>"New installs are refused from " <When ms /> "."</p> })}
                </div>
            })}
            <nav class="tabs" aria-label="Extension details">
                <ul>
                    {TABS.iter().map(|(id, label)| {
                        let href = format!("{base}?tab={id}");
                        let id = *id;
                        view! {
                            <li>
                                <a href=href aria-current=move || (tab() == id).then_some("page")>{*label}</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
            {move || {
                let p = p.clone();
                match tab().as_str() {
                    "versions" => view! { <Versions p /> }.into_any(),
                    "changelog" => doc(p.docs.changelog_html.clone(), "No changelog in this version.").into_any(),
                    "getting-started" => doc(p.docs.getting_started_html.clone(), "No getting-started guide in this version.").into_any(),
                    "permissions" => view! { <Permissions p /> }.into_any(),
                    "settings" => view! { <Settings p /> }.into_any(),
                    _ => doc(p.docs.readme_html.clone(), "No README in this version.").into_any(),
                }
            }}
        </section>
    }
}

fn doc(html: Option<String>, empty: &'static str) -> impl IntoView {
    match html {
        // Sanitized when the version was uploaded (pulldown-cmark, then ammonia).
        Some(html) => view! { <div class="markdown" inner_html=html></div> }.into_any(),
        None => view! { <p class="hint">{empty}</p> }.into_any(),
    }
}

#[component]
fn Versions(p: ExtensionPage) -> impl IntoView {
    let key = p.card.key.clone();
    view! {
        <table class="table">
            <caption class="visually-hidden">"Published versions"</caption>
            <thead>
                <tr>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Published"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Package"</th>
                </tr>
            </thead>
            <tbody>
                {p.versions.into_iter().map(|v| {
                    let s = v.summary.clone();
                    view! {
                        <tr>
                            <td>
                                {s.version.clone()}
                                {s.prerelease.then(|| view! { " " <span class="badge">"pre-release"</span> })}
                            </td>
                            <td><When ms=v.published_at /></td>
                            <td>
                                {match (&v.revoke_reason, &v.yank_reason) {
                                    (Some(r), _) if s.revoked => view! { <span class="badge state-revoked">"revoked"</span>" "{r.clone()} }.into_any(),
                                    (_, Some(r)) if s.yanked => view! { <span class="badge state-yanked">"yanked"</span>" "{r.clone()} }.into_any(),
                                    _ => view! { <span>"available"</span> }.into_any(),
                                }}
                            </td>
                            <td>
                                {(!s.revoked).then(|| view! {
                                    <a href=download_path(&key, &s.version) download="">"Download"</a>
                                })}
                                " " <code class="hash" title="SHA-256">{v.sha256.clone()}</code>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Permissions(p: ExtensionPage) -> impl IntoView {
    let m = p.manifest;
    let host = match &m.delivery {
        Delivery::Http { url } => format!("Events are sent to {url}."),
        Delivery::Internal => "It runs inside the platform; nothing is sent elsewhere.".into(),
    };
    view! {
        <h2>"Permissions"</h2>
        {if m.permissions.is_empty() {
            view! { <p class="hint">"No permissions requested."</p> }.into_any()
        } else {
            view! {
                <ul>
                    {m.permissions.iter().map(|p| {
                        let text = Scope::parse(p).map(|s| s.scope.describe()).unwrap_or_else(|_| p.clone());
                        view! { <li>{text}" " <code class="hint">{p.clone()}</code></li> }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>"Events"</h2>
        <p>{host}</p>
        <ul>
            {m.triggers.iter().map(|t| t.event.clone()).chain(m.lifecycle_events.iter().cloned())
                .map(|e| view! { <li><code>{e}</code></li> }).collect_view()}
        </ul>
    }
}

#[component]
fn Settings(p: ExtensionPage) -> impl IntoView {
    let m = p.manifest;
    if m.settings.is_empty() {
        return view! { <p class="hint">"Nothing to configure."</p> }.into_any();
    }
    view! {
        <p>"What the setup wizard asks when an organization installs it:"</p>
        <table class="table">
            <caption class="visually-hidden">"Settings"</caption>
            <thead><tr><th scope="col">"Setting"</th><th scope="col">"Type"</th><th scope="col">"Required"</th><th scope="col">"Description"</th></tr></thead>
            <tbody>
                {m.settings.iter().map(|s| view! {
                    <tr>
                        <td>{s.label.clone()}" " <code class="hint">{s.key.clone()}</code></td>
                        <td>{if s.secret { "secret (stored encrypted)".to_string() } else { s.kind.name().to_string() }}</td>
                        <td>{if s.required { "yes" } else { "no" }}</td>
                        <td>{s.description.clone().unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
