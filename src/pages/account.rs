//! `/account`: who you are, and changing your password.

use crate::api::auth::ChangePassword;
use crate::components::auth::SignedIn;
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::model::account::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Your account" />
        <SignedIn next="/account" let:user>
            <Account user />
        </SignedIn>
    }
}

#[component]
fn Account(user: CurrentUser) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            if q.get("welcome").is_some() {
                Some("Welcome! Your account is ready.")
            } else if q.get("password").as_deref() == Some("changed") {
                Some("Your password was changed. Other sessions were signed out.")
            } else {
                None
            }
        })
    };
    view! {
        <section class="page narrow">
            <h1>"Your account"</h1>
            <div role="status" aria-live="polite">
                {move || notice().map(|n| view! { <p class="notice success">{n}</p> })}
            </div>
            <dl class="facts">
                <dt>"Email"</dt>
                <dd>{user.email.clone()}</dd>
                <dt>"Display name"</dt>
                <dd>{user.display_name.clone()}</dd>
                <dt>"Role"</dt>
                <dd>{if user.is_admin { "Marketplace admin" } else { "User" }}</dd>
            </dl>
            <h2>"API tokens"</h2>
            <p>"Personal tokens let scripts and the " <code>"kiket"</code> " CLI publish and yank versions for you. "
               <a href="/account/tokens">"Manage your API tokens"</a> "."</p>
            <h2>"Change password"</h2>
            <ActionForm action=action>
                <FormMessage action />
                <Field
                    form="password"
                    name="current_password"
                    label="Current password"
                    kind="password"
                                clear_after=action.version()
                    error=field_error(action, "current_password")
                    autocomplete="current-password"
                    required=true
                />
                <Field
                    form="password"
                    name="new_password"
                    label="New password"
                    kind="password"
                                clear_after=action.version()
                    error=field_error(action, "new_password")
                    autocomplete="new-password"
                    hint="12 to 128 characters."
                    required=true
                />
                <Submit action label="Change password" busy="Changing…" />
            </ActionForm>
        </section>
    }
}
