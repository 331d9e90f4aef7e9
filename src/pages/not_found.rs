//! The 404 page.

use crate::components::status::set_page_status;
use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for every path no route matches, with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    view! {
        <Title text="Page not found" />
        <section class="page narrow error-page">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
            <p>
                <a href="/">"Browse the catalog"</a>
            </p>
        </section>
    }
}
