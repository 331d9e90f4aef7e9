//! `/orgs`: the organizations the user belongs to.

use crate::components::auth::SignedIn;
use leptos::prelude::*;
use leptos_meta::Title;

/// The user's organizations.
#[component]
pub fn OrgsPage() -> impl IntoView {
    view! {
        <Title text="Organizations" />
        <SignedIn next="/orgs" let:_user>
                <section class="page">
                    <h1>"Organizations"</h1>
                    <p>
                        "Organizations install extensions into their projects. Admins configure them "
                        "and manage their secrets; members see what is installed."
                    </p>
                    <div class="empty-state">
                        <p>"You do not belong to any organization yet."</p>
                    </div>
                </section>
            </SignedIn>
    }
}
