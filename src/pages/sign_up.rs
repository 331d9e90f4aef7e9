//! `/signup`: create an account.

use crate::api::auth::{kept_input, SignUp};
use crate::components::auth::refresh_user_after;
use crate::components::form::{field_error, Field, FormMessage, Submit};
use leptos::prelude::*;
use leptos_meta::Title;

/// The sign-up form.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    refresh_user_after(action);
    let kept = Resource::new(|| (), |_| kept_input("sign_up".into()));
    view! {
        <Title text="Create an account" />
        <section class="page narrow">
            <h1>"Create an account"</h1>
            <p>"An account lets you publish extensions and install them for your teams."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.unwrap_or_default();
                    let value = move |k: &str| kept.get(k).cloned().unwrap_or_default();
                    view! {
                        <ActionForm action=action>
                            <FormMessage action />
                            <Field
                                form="signup"
                                name="email"
                                label="Email"
                                kind="email"
                                value=value("email")
                                error=field_error(action, "email")
                                autocomplete="email"
                                required=true
                            />
                            <Field
                                form="signup"
                                name="display_name"
                                label="Display name"
                                value=value("display_name")
                                error=field_error(action, "display_name")
                                autocomplete="name"
                                hint="Shown to others on your listings and reviews."
                                required=true
                            />
                            <Field
                                form="signup"
                                name="password"
                                label="Password"
                                kind="password"
                                clear_after=action.version()
                                error=field_error(action, "password")
                                autocomplete="new-password"
                                hint="12 to 128 characters. A few unrelated words make a strong one."
                                required=true
                            />
                            <Submit action label="Create account" busy="Creating account…" />
                        </ActionForm>
                    }
                })}
            </Suspense>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}
