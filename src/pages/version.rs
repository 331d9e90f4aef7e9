//! `/publish/extensions/{key}/versions/{version}`: one version for its publisher — state,
//! findings of the automated checks, the manifest in short, documents, files, download.

use crate::api::auth::kept_input;
use crate::api::extensions::get_version;
use crate::api::review::ActOnVersion;
use crate::components::auth::SignedIn;
use crate::components::form::{field_error, FormMessage};
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::components::upload::FindingList;
use crate::model::diff::VersionDiff;
use crate::model::extension::{download_path, VersionDetail};
use crate::model::manifest::names::Scope;
use crate::model::manifest::Delivery;
use crate::model::review::{Action, ReviewInfo};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::BTreeMap;

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
    // Reviewers reach the same page from the queue, under /review.
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let kept = {
        let form = format!("review:{key}:{version}");
        Resource::new(|| (), move |_| kept_input(form.clone()))
    };
    view! {
        <Title text=format!("{key} {version}") />
        <SignedIn next=path.clone() let:_user>
            <Load key=key.clone() version=version.clone() here=path.clone() kept />
        </SignedIn>
    }
}

#[component]
fn Load(
    key: String,
    version: String,
    here: String,
    kept: crate::pages::publisher::Kept,
) -> impl IntoView {
    let act = ServerAction::<ActOnVersion>::new();
    let detail = Resource::new(
        move || act.version().get(),
        move |_| get_version(key.clone(), version.clone()),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let here = here.clone();
                Suspend::new(async move {
                    let kept = kept.await.unwrap_or_default();
                    match detail.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(d) => view! { <Detail d here act kept /> }.into_any(),
                    }
                })
            }}
        </Transition>
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
fn Detail(
    d: VersionDetail,
    here: String,
    act: ServerAction<ActOnVersion>,
    kept: BTreeMap<String, String>,
) -> impl IntoView {
    let reviewing = here.starts_with("/review/");
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
            {if reviewing {
                view! { <p><a href="/review">"← Review queue"</a></p> }.into_any()
            } else {
                view! { <p><a href=format!("/publish/extensions/{}", d.key)>{format!("← {}", d.name)}</a></p> }.into_any()
            }}
            <h1>
                {d.name.clone()} " " {v.version.clone()} " "
                <span class=format!("badge state-{}", v.state.as_str())>{v.state.label()}</span>
                {v.prerelease.then(|| view! { " " <span class="badge">"pre-release"</span> })}
                {v.yanked.then(|| view! { " " <span class="badge state-yanked">"yanked"</span> })}
                {v.revoked.then(|| view! { " " <span class="badge state-revoked">"revoked"</span> })}
            </h1>
            <ReviewPanel key=d.key.clone() version=v.version.clone() r=d.review.clone() here act kept />
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

/// Where the version stands in review, what was said, what it can be done with, and its history.
#[component]
fn ReviewPanel(
    key: String,
    version: String,
    r: ReviewInfo,
    here: String,
    act: ServerAction<ActOnVersion>,
    kept: BTreeMap<String, String>,
) -> impl IntoView {
    use crate::components::time::duration;
    use crate::model::extension::VersionState::*;
    let status = match r.standing.state {
        Submitted | InReview => {
            let position = r
                .queue_position
                .map(|p| format!("Position {p} in the review queue. "))
                .unwrap_or_default();
            let median = r
                .median_review_ms
                .map(|m| {
                    format!(
                        "Reviews took {} (median) over the last 30 days.",
                        duration(m)
                    )
                })
                .unwrap_or_else(|| "No reviews were decided in the last 30 days.".into());
            let who = match (r.standing.state, &r.reviewer) {
                (InReview, Some(name)) => format!("{name} is reviewing it. "),
                _ => "Waiting for a marketplace admin's review. ".into(),
            };
            format!("{who}{position}{median}")
        }
        Published => "Published: listed in the catalog.".into(),
        ChangesRequested => {
            "The reviewer asked for changes: upload a new version that makes them.".into()
        }
        Rejected => "Rejected by the reviewer.".into(),
        Withdrawn => "Withdrawn by the publisher.".into(),
    };
    let actions = r.actions();
    // After a refused plain post, the message typed for that action comes back.
    let kept_action = kept.get("action").cloned().unwrap_or_default();
    let kept_message = kept.get("message").cloned().unwrap_or_default();
    view! {
        <section class="review-panel" aria-labelledby="review-title">
            <h2 id="review-title" class="visually-hidden">"Review"</h2>
            <p class="review-status">{status}</p>
            {r.review_message.clone().map(|m| view! {
                <div class="notice reviewer-message">
                    <p><strong>{format!("Reviewer's message{}:", r.reviewer.clone().map(|n| format!(" ({n})")).unwrap_or_default())}</strong></p>
                    <p class="release-notes">{m}</p>
                </div>
            })}
            {r.yank_reason.clone().map(|m| view! {
                <div class="notice warning-notice"><p><strong>"Yanked: "</strong>{m}</p></div>
            })}
            {r.revoke_reason.clone().map(|m| view! {
                <div class="notice error-notice"><p><strong>"Revoked: "</strong>{m}</p></div>
            })}
            {(!actions.is_empty()).then(|| view! {
                <FormMessage action=act />
                <div class="review-actions">
                    {actions.into_iter().map(|a| {
                        let (key, version, here) = (key.clone(), version.clone(), here.clone());
                        let typed = if kept_action == a.as_str() { kept_message.clone() } else { String::new() };
                        let needs = a.requires_message();
                        let id = format!("message-{}", a.as_str());
                        let label = match a {
                            Action::Claim => "Claim for review",
                            Action::Approve => "Approve and publish",
                            Action::RequestChanges => "Request changes",
                            Action::Reject => "Reject",
                            Action::Withdraw => "Withdraw",
                            Action::Yank => "Yank",
                            Action::Unyank => "Un-yank",
                            Action::Revoke => "Revoke",
                        };
                        let field_label = match a {
                            Action::Approve => "Note to the publisher (optional)",
                            Action::RequestChanges => "What needs to change",
                            Action::Reject => "Reason for the rejection",
                            Action::Yank => "Reason for yanking (shown to users)",
                            Action::Unyank => "Why it is safe to install again",
                            Action::Revoke => "Security reason",
                            _ => "",
                        };
                        let with_text = needs || a == Action::Approve;
                        view! {
                            <ActionForm action=act attr:class="review-action">
                                <input type="hidden" name="key" value=key />
                                <input type="hidden" name="version" value=version />
                                <input type="hidden" name="action" value=a.as_str() />
                                <input type="hidden" name="back" value=here />
                                {with_text.then(|| view! {
                                    <div class="field">
                                        <label for=id.clone()>{field_label}</label>
                                        <textarea id=id.clone() name="message" rows="3" required=needs>{typed}</textarea>
                                    </div>
                                })}
                                <button type="submit" class=if a == Action::Revoke || a == Action::Reject { "button danger" } else { "button" }>{label}</button>
                            </ActionForm>
                        }
                    }).collect_view()}
                    <p class="field-error" role="alert">{move || field_error(act, "message").get()}</p>
                </div>
            })}
            <Diff d=r.diff.clone() />
            {(!r.history.is_empty()).then(|| view! {
                <h2>"History"</h2>
                <ol class="history">
                    {r.history.iter().map(|h| view! {
                        <li>
                            <When ms=h.at />" — "{h.action.label()}
                            {h.actor.clone().map(|a| format!(" by {a}"))}
                            {h.message.clone().map(|m| view! { ": " <q>{m}</q> })}
                        </li>
                    }).collect_view()}
                </ol>
            })}
        </section>
    }
}

fn list(title: &'static str, items: Vec<String>, class: &'static str) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <dt>{title}</dt>
            <dd class=class>
                {items.into_iter().map(|i| view! { <code>{i}</code>" " }).collect_view()}
            </dd>
        }
    })
}

/// What changed since the last published version.
#[component]
fn Diff(d: VersionDiff) -> impl IntoView {
    let Some(against) = d.against.clone() else {
        return view! {
            <h2>"Changes"</h2>
            <p class="hint">"First version: there is no published version to compare with."</p>
        }
        .into_any();
    };
    let files = d.files_added.len() + d.files_removed.len() + d.files_changed.len();
    view! {
        <h2>{format!("Changes since {against}")}</h2>
        {d.is_empty().then(|| view! { <p class="hint">"No change to permissions, events, settings or where data is sent."</p> })}
        <dl class="facts diff">
            {list("Permissions added", d.permissions_added.clone(), "added")}
            {list("Permissions removed", d.permissions_removed.clone(), "removed")}
            {list("Events added", d.events_added.clone(), "added")}
            {list("Events removed", d.events_removed.clone(), "removed")}
            {list("Settings added", d.settings_added.clone(), "added")}
            {list("Settings removed", d.settings_removed.clone(), "removed")}
            {(!d.settings_retyped.is_empty()).then(|| view! {
                <dt>"Settings retyped"</dt>
                <dd class="changed">
                    {d.settings_retyped.iter().map(|t| format!("{}: {} → {}", t.key, t.before, t.after)).collect::<Vec<_>>().join(", ")}
                </dd>
            })}
            {d.delivery_changed.clone().map(|(before, after)| view! {
                <dt>{if d.host_changed { "Data now goes to a new host" } else { "Delivery address" }}</dt>
                <dd class=if d.host_changed { "added" } else { "changed" }><code>{before}</code>" → "<code>{after}</code></dd>
            })}
        </dl>
        <details>
            <summary>{format!("{files} files added, removed or changed")}</summary>
            <dl class="facts diff">
                {list("Added", d.files_added.clone(), "added")}
                {list("Removed", d.files_removed.clone(), "removed")}
                {list("Changed", d.files_changed.clone(), "changed")}
            </dl>
        </details>
    }
    .into_any()
}
