//! `/review`: the marketplace admins' review queue.

use crate::components::auth::AdminOnly;
use leptos::prelude::*;
use leptos_meta::Title;

/// The review queue (marketplace admins only).
#[component]
pub fn ReviewPage() -> impl IntoView {
    view! {
        <Title text="Review" />
        <AdminOnly next="/review" let:_admin>
                <section class="page">
                    <h1>"Review queue"</h1>
                    <div class="empty-state">
                        <p>"No submissions are waiting for review."</p>
                    </div>
                    <p><a href="/admin/users">"Manage users and admins"</a></p>
                </section>
            </AdminOnly>
    }
}
