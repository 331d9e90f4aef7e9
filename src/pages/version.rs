//! `/publish/extensions/{key}/versions/{version}`: one version for its publisher — state,
//! findings of the automated checks, the manifest in short, documents, files, download.

use crate::api::extensions::get_version;
use crate::components::auth::SignedIn;
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::components::upload::FindingList;
use crate::model::extension::{download_path, VersionDetail};
use crate::model::manifest::names::Scope;
use crate::model::manifest::Delivery;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The version page.
#[component]
pub fn VersionPage() -> impl IntoView {
    let params = use_params_map();
    let (key, version) = params.with_untracked(|p| {
        (
            p.get("key").unwrap_or_default(),
            p.get("version").unwrap_or_default(),
        )
    });
    let next = format!("/publish/extensions/{key}/versions/{version}");
    view! {
        <Title text=format!("{key} {version}") />
        <SignedIn next=next let:_user>
            <Load key=key.clone() version=version.clone() />
        </SignedIn>
    }
}

#[component]
fn Load(key: String, version: String) -> impl IntoView {
    let detail = Resource::new(|| (), move |_| get_version(key.clone(), version.clone()));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => view! { <Detail d /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

#[component]
fn Detail(d: VersionDetail) -> impl IntoView {
    let m = d.manifest.clone();
    let v = d.summary.clone();
    let delivery = match &m.delivery {
        Delivery::Http { url } => url.clone(),
        Delivery::Internal => "runs inside the platform (nothing is sent)".into(),
    };
    let docs = d.docs.clone();
    view! {
        <Title text=format!("{} {}", d.name, v.version) />
        <section class="page">
            <p><a href=format!("/publish/extensions/{}", d.key)>{format!("← {}", d.name)}</a></p>
            <h1>
                {d.name.clone()} " " {v.version.clone()} " "
                <span class=format!("badge state-{}", v.state.as_str())>{v.state.label()}</span>
                {v.prerelease.then(|| view! { " " <span class="badge">"pre-release"</span> })}
            </h1>
            <p class="hint">"Submitted versions wait for a marketplace admin's review before they are listed."</p>
            <dl class="facts">
                <dt>"Key"</dt><dd><code>{d.key.clone()}</code></dd>
                <dt>"Uploaded"</dt><dd><When ms=v.created_at />{d.uploaded_by.clone().map(|u| format!(" by {u}"))}</dd>
                <dt>"Package"</dt>
                <dd>
                    <a href=download_path(&d.key, &v.version) download="">{format!("Download ({})", size(v.size_bytes))}</a>
                    {format!(" · {} unpacked · {} files", size(d.unpacked_bytes), d.files.len())}
                </dd>
                <dt>"SHA-256"</dt><dd><code class="hash">{d.sha256.clone()}</code></dd>
                <dt>"Manifest"</dt><dd><code>{d.manifest_path.clone()}</code>{format!(" (dialect {})", m.dialect.as_str())}</dd>
                <dt>"Events go to"</dt><dd><code>{delivery}</code></dd>
            </dl>
            {d.release_notes.clone().map(|n| view! {
                <h2>"Release notes"</h2>
                <p class="release-notes">{n}</p>
            })}
            <h2>"Automated checks"</h2>
            <FindingList findings=d.findings.clone() />
            <h2>"Permissions and events"</h2>
            {if m.permissions.is_empty() {
                view! { <p class="hint">"No permissions requested."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {m.permissions.iter().map(|p| {
                            let text = Scope::parse(p).map(|s| s.scope.describe()).unwrap_or_else(|_| p.clone());
                            view! { <li><code>{p.clone()}</code>" — "{text}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {if m.triggers.is_empty() && m.lifecycle_events.is_empty() {
                view! { <p class="hint">"Subscribes to no events."</p> }.into_any()
            } else {
                view! {
                    <p>"Receives: "
                        {m.triggers.iter().map(|t| t.event.clone())
                            .chain(m.lifecycle_events.iter().cloned())
                            .map(|e| view! { <code>{e}</code>" " })
                            .collect_view()}
                    </p>
                }.into_any()
            }}
            <h2>"Settings"</h2>
            {if m.settings.is_empty() {
                view! { <p class="hint">"No settings."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="visually-hidden">"Settings the setup wizard asks for"</caption>
                        <thead><tr><th scope="col">"Key"</th><th scope="col">"Label"</th><th scope="col">"Type"</th><th scope="col">"Required"</th></tr></thead>
                        <tbody>
                            {m.settings.iter().map(|s| view! {
                                <tr>
                                    <td><code>{s.key.clone()}</code></td>
                                    <td>{s.label.clone()}</td>
                                    <td>{s.kind.name()}</td>
                                    <td>{if s.required { "yes" } else { "no" }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Documents"</h2>
            {match docs.readme_html.clone() {
                Some(html) => view! {
                    <details open>
                        <summary>"README"</summary>
                        <div class="markdown" inner_html=html></div>
                    </details>
                }.into_any(),
                None => view! { <p class="hint">"No README in this package."</p> }.into_any(),
            }}
            {docs.changelog_html.clone().map(|html| view! {
                <details>
                    <summary>"Changelog"</summary>
                    <div class="markdown" inner_html=html></div>
                </details>
            })}
            {docs.getting_started_html.clone().map(|html| view! {
                <details>
                    <summary>"Getting started"</summary>
                    <div class="markdown" inner_html=html></div>
                </details>
            })}
            {docs.examples.clone().into_iter().map(|(name, yaml)| view! {
                <details>
                    <summary>{format!("Example: {name}")}</summary>
                    <pre class="code"><code>{yaml}</code></pre>
                </details>
            }).collect_view()}
            <h2>"Files"</h2>
            <details>
                <summary>{format!("{} files", d.files.len())}</summary>
                <table class="table files">
                    <caption class="visually-hidden">"Files in the package"</caption>
                    <thead><tr><th scope="col">"Path"</th><th scope="col">"Size"</th><th scope="col">"SHA-256"</th></tr></thead>
                    <tbody>
                        {d.files.clone().into_iter().map(|f| view! {
                            <tr>
                                <td><code>{f.path}</code></td>
                                <td>{size(f.size_bytes)}</td>
                                <td><code class="hash">{f.sha256}</code></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}
