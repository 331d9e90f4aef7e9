//! `/signin`: sign in, then return to where the user was going.

use crate::api::auth::{kept_input, SignIn};
use crate::components::auth::refresh_user_after;
use crate::components::form::{field_error, Field, FormMessage, Submit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in form.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    refresh_user_after(action);
    let query = use_query_map();
    let kept = Resource::new(|| (), |_| kept_input("sign_in".into()));
    view! {
        <Title text="Sign in" />
        <section class="page narrow">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.unwrap_or_default();
                    let next = query
                        .with_untracked(|q| q.get("next"))
                        .or_else(|| kept.get("next").cloned())
                        .unwrap_or_default();
                    let email = kept.get("email").cloned().unwrap_or_default();
                    view! {
                        <ActionForm action=action>
                            <FormMessage action />
                            <input type="hidden" name="next" value=next />
                            <Field
                                form="signin"
                                name="email"
                                label="Email"
                                kind="email"
                                value=email
                                error=field_error(action, "email")
                                autocomplete="username"
                                required=true
                            />
                            <Field
                                form="signin"
                                name="password"
                                label="Password"
                                kind="password"
                                clear_after=action.version()
                                error=field_error(action, "password")
                                autocomplete="current-password"
                                required=true
                            />
                            <Submit action label="Sign in" busy="Signing in…" />
                        </ActionForm>
                    }
                })}
            </Suspense>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}
