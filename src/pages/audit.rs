//! `/audit` (marketplace admins: everything) and `/publishers/{slug}/audit` (its members: what
//! concerns that publisher). Newest first, filterable by kind of action, paged.

use crate::api::activity::list_audit;
use crate::components::auth::SignedIn;
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::model::audit::ACTION_FILTERS;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// The whole audit log.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <SignedIn next="/audit" let:_user>
            <Log publisher=String::new() />
        </SignedIn>
    }
}

/// A publisher's audit log.
#[component]
pub fn PublisherAuditPage() -> impl IntoView {
    let slug = use_params_map().with_untracked(|p| p.get("slug").unwrap_or_default());
    let next = format!("/publishers/{slug}/audit");
    view! {
        <Title text="Audit log" />
        <SignedIn next=next let:_user>
            <Log publisher=slug.clone() />
        </SignedIn>
    }
}

#[component]
fn Log(publisher: String) -> impl IntoView {
    let query = use_query_map();
    let here = use_location().pathname;
    let action = move || query.with(|q| q.get("action").unwrap_or_default());
    let before = move || query.with(|q| q.get("before").unwrap_or_default());
    let title = if publisher.is_empty() {
        "Audit log".to_string()
    } else {
        format!("Audit log of {publisher}")
    };
    let back = (!publisher.is_empty()).then(|| format!("/publishers/{publisher}"));
    let page = Resource::new(
        move || (action(), before()),
        move |(action, before)| list_audit(publisher.clone(), action, before),
    );
    view! {
        <section class="page">
            {back.map(|b| view! { <p><a href=b>"← Publisher"</a></p> })}
            <h1>{title}</h1>
            <p class="hint">"Entries are only ever added: nothing here can be edited or deleted."</p>
            <form method="get" class="inline-form" aria-label="Filter the audit log">
                <div class="field">
                    <label for="audit-action">"Show"</label>
                    <select id="audit-action" name="action">
                        {ACTION_FILTERS.iter().map(|(value, label)| {
                            let selected = action() == *value;
                            view! { <option value=*value selected=selected>{*label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(p) if p.entries.is_empty() => view! {
                            <div class="empty-state"><p>"No entries match."</p></div>
                        }.into_any(),
                        Ok(p) => {
                            let next = p.next_before.clone().map(|b| {
                                let a = action();
                                format!("{}?action={a}&before={b}", here.get_untracked())
                            });
                            view! {
                                <table class="table audit">
                                    <caption class="visually-hidden">"Audit entries, newest first"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"When"</th>
                                            <th scope="col">"Who"</th>
                                            <th scope="col">"Action"</th>
                                            <th scope="col">"Target"</th>
                                            <th scope="col">"Details"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {p.entries.into_iter().map(|e| view! {
                                            <tr>
                                                <td><When ms=e.at /></td>
                                                <td>{e.actor.clone().map(|(name, email)| format!("{name} ({email})")).unwrap_or_else(|| "—".into())}</td>
                                                <td><code>{e.action.clone()}</code></td>
                                                <td>{format!("{} {}", e.target_kind, e.target_id)}</td>
                                                <td><code class="hash">{e.detail.clone()}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {next.map(|n| view! { <p><a href=n>"Older entries →"</a></p> })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
