//! `/`: the catalog's front page.

use crate::components::auth::use_auth;
use crate::pages::catalog::Catalog;
use leptos::prelude::*;

/// The front page: what the marketplace is and where to start.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = use_auth().user();
    view! {
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
            <Catalog path="/" />
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
