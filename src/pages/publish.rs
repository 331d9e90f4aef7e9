//! `/publish`: the publisher's start page.

use crate::components::auth::SignedIn;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where a signed-in user publishes extensions.
#[component]
pub fn PublishPage() -> impl IntoView {
    view! {
        <Title text="Publish" />
        <SignedIn next="/publish" let:user>
                <section class="page">
                    <h1>"Publish"</h1>
                    <p>
                        "Extensions are published by publishers: a team with owners and maintainers. "
                        "Each version goes through automated checks and a review before it is listed."
                    </p>
                    <p>
                        <a href="/publish/validate">"Validate a manifest"</a>
                        " — see its problems and the setup wizard it generates before you upload."
                    </p>
                    <div class="empty-state">
                        <p>{format!("{}, you are not a member of any publisher yet.", user.display_name)}</p>
                    </div>
                </section>
            </SignedIn>
    }
}
