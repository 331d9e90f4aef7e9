//! `/review`: the marketplace admins' review queue, oldest first.

use crate::api::review::get_review_queue;
use crate::components::auth::AdminOnly;
use crate::components::status::ErrorNotice;
use crate::components::time::{duration, When};
use crate::model::extension::VersionState;
use crate::model::review::ReviewQueue;
use leptos::prelude::*;
use leptos_meta::Title;

/// The review queue (marketplace admins only).
#[component]
pub fn ReviewPage() -> impl IntoView {
    view! {
        <Title text="Review" />
        <AdminOnly next="/review" let:_admin>
            <Queue />
        </AdminOnly>
    }
}

#[component]
fn Queue() -> impl IntoView {
    let queue = Resource::new(|| (), |_| get_review_queue());
    view! {
        <section class="page">
            <h1>"Review queue"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(q) => view! { <QueueTable q /> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href="/admin/users">"Manage users and admins"</a></p>
        </section>
    }
}

#[component]
fn QueueTable(q: ReviewQueue) -> impl IntoView {
    let now = crate::components::time::now_ms();
    let median = q
        .median_review_ms
        .map(|ms| {
            format!(
                "Median time to a decision over the last 30 days: {}.",
                duration(ms)
            )
        })
        .unwrap_or_else(|| "No decisions in the last 30 days.".into());
    if q.items.is_empty() {
        return view! {
            <div class="empty-state"><p>"No submissions are waiting for review."</p></div>
            <p class="hint">{median}</p>
        }
        .into_any();
    }
    view! {
        <p class="hint">{format!("{} waiting. ", q.items.len())}{median}</p>
        <table class="table">
            <caption class="visually-hidden">"Versions waiting for review, oldest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Extension"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Publisher"</th>
                    <th scope="col">"Findings"</th>
                    <th scope="col">"Submitted"</th>
                    <th scope="col">"Waiting"</th>
                    <th scope="col">"State"</th>
                </tr>
            </thead>
            <tbody>
                {q.items.into_iter().map(|i| view! {
                    <tr>
                        <td><a href=format!("/review/{}/{}", i.key, i.version)>{i.name.clone()}</a>" "<code class="hint">{i.key.clone()}</code></td>
                        <td>{i.version.clone()}</td>
                        <td>
                            {i.publisher.clone()}
                            {i.verified.then(|| view! { " " <span class="badge verified">"verified"</span> })}
                        </td>
                        <td>{format!("{} blocking, {} warnings", i.blocking, i.warnings)}</td>
                        <td><When ms=i.submitted_at /></td>
                        <td>{duration(now - i.submitted_at)}</td>
                        <td>
                            {match i.state {
                                VersionState::InReview => format!("In review{}", i.reviewer.map(|r| format!(" by {r}")).unwrap_or_default()),
                                _ => "Submitted".to_string(),
                            }}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
