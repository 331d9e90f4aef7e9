//! The page frame: header with navigation and account menu, and the footer.

use crate::api::auth::SignOut;
use crate::components::auth::{refresh_user_after, use_auth};
use leptos::prelude::*;
use leptos_router::components::A;

/// Site header: brand, main navigation, account menu.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let sign_out = ServerAction::<SignOut>::new();
    refresh_user_after(sign_out);
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"K"</span>
                " Kiket Marketplace"
            </a>
            <nav aria-label="Main">
                <ul class="nav">
                    <li><A href="/">"Catalog"</A></li>
                    <li><A href="/publish">"Publish"</A></li>
                    <li><A href="/orgs">"Organizations"</A></li>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let user = auth.user.await.ok().flatten();
                            user.filter(|u| u.is_admin)
                                .map(|_| view! { <li><A href="/review">"Review"</A></li> })
                        })}
                    </Transition>
                </ul>
            </nav>
            <div class="account-menu">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await.ok().flatten() {
                            Some(user) => view! {
                                <details class="menu">
                                    <summary>
                                        <span class="visually-hidden">"Account menu for "</span>
                                        {user.display_name.clone()}
                                    </summary>
                                    <ul>
                                        <li><a href="/account">"Account"</a></li>
                                        {user.is_admin.then(|| view! {
                                            <li><a href="/admin/users">"Users"</a></li>
                                        })}
                                        <li>
                                            <ActionForm action=sign_out>
                                                <button type="submit" class="link-button">"Sign out"</button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                </details>
                            }.into_any(),
                            None => view! {
                                <a href="/signin" class="button">"Sign in"</a>
                                <a href="/signup" class="button primary">"Sign up"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </header>
    }
}

/// Site footer.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>"Kiket Marketplace — extensions that run on their owners' servers, configured and kept secret here."</p>
        </footer>
    }
}
