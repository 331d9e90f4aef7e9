//! `/`: the catalog's front page.

use crate::api::catalog::list_catalog;
use crate::components::auth::use_auth;
use crate::components::status::ErrorNotice;
use leptos::prelude::*;
use leptos_meta::Title;

/// The front page: what the marketplace is and where to start.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = use_auth().user();
    let catalog = Resource::new(|| (), |_| list_catalog());
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Extensions for Kiket projects"</h1>
            <p class="lead">
                "Browse extensions built by the Kiket community, install them into your projects, "
                "and configure them through a guided setup. Extensions run on their publishers' "
                "servers; your credentials stay encrypted here and every event they receive is signed."
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await.ok().flatten() {
                        Some(user) => view! {
                            <p>"Signed in as " <strong>{user.display_name}</strong> "."</p>
                        }.into_any(),
                        None => view! {
                            <p class="actions">
                                <a class="button primary" href="/signup">"Create an account"</a>
                                <a class="button" href="/signin">"Sign in"</a>
                            </p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="page">
            <h2>"Catalog"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="empty-state">
                                <p>"No extensions are listed yet. Listings appear here once a publisher's version passes review."</p>
                                <p><a href="/publish">"Publish the first one"</a></p>
                            </div>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="cards catalog">
                                {list.into_iter().map(|c| view! {
                                    <li class="card">
                                        <h3><a href=format!("/extensions/{}", c.key)>{c.name.clone()}</a></h3>
                                        <p class="hint">
                                            {c.publisher_name.clone()}
                                            {c.verified.then(|| view! { " " <span class="badge verified">"verified"</span> })}
                                            {format!(" · {}", c.latest)}
                                            {c.deprecated.then(|| view! { " " <span class="badge state-yanked">"deprecated"</span> })}
                                        </p>
                                        <p>{c.listing.summary.clone()}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <h2>"How it works"</h2>
            <ol class="steps">
                <li><strong>"Publish."</strong>" A publisher uploads a package with its manifest; automated checks run at once."</li>
                <li><strong>"Review."</strong>" Marketplace admins review each version, with a diff against the last one."</li>
                <li><strong>"Install."</strong>" Organization admins consent to the permissions and fill in the setup wizard."</li>
                <li><strong>"Receive events."</strong>" The extension gets signed webhooks, retried until delivered."</li>
            </ol>
        </section>
    }
}
