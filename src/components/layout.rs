//! The page frame: header with navigation and account menu, and the footer.

use crate::api::activity::unread_notifications;
use crate::api::auth::SignOut;
use crate::components::auth::{refresh_user_after, use_auth};
use leptos::prelude::*;
use leptos_router::components::A;

/// Site header: brand, main navigation, account menu.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    // One resource per boundary (see `components::auth`).
    let nav_user = auth.user();
    let menu_user = auth.user();
    let sign_out = ServerAction::<SignOut>::new();
    refresh_user_after(sign_out);
    // Asked again on every navigation, so the count follows what the user reads.
    let path = leptos_router::hooks::use_location().pathname;
    let unread = Resource::new(move || path.get(), |_| unread_notifications());
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"K"</span>
                " Kiket Marketplace"
            </a>
            <nav aria-label="Main">
                <ul class="nav">
                    <li><A href="/extensions">"Extensions"</A></li>
                    <li><A href="/publish">"Publish"</A></li>
                    <li><A href="/orgs">"Organizations"</A></li>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let user = nav_user.await.ok().flatten();
                            user.filter(|u| u.is_admin)
                                .map(|_| view! { <li><A href="/review">"Review"</A></li> })
                        })}
                    </Transition>
                </ul>
            </nav>
            <div class="account-menu">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let unread = unread.await.unwrap_or(0);
                        match menu_user.await.ok().flatten() {
                            Some(user) => view! {
                                <a href="/notifications" class="bell" class:has-unread={unread > 0}>
                                    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
                                        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"></path>
                                        <path d="M13.7 21a2 2 0 0 1-3.4 0"></path>
                                    </svg>
                                    <span class="visually-hidden">"Notifications"</span>
                                    {(unread > 0).then(|| view! {
                                        <span class="count">{unread}<span class="visually-hidden">" unread"</span></span>
                                    })}
                                </a>
                                <details class="menu">
                                    <summary>
                                        <span class="visually-hidden">"Account menu for "</span>
                                        {user.display_name.clone()}
                                    </summary>
                                    <ul>
                                        <li><a href="/account">"Account"</a></li>
                                        <li><a href="/account/tokens">"API tokens"</a></li>
                                        <li><a href="/notifications">"Notifications"</a></li>
                                        {user.is_admin.then(|| view! {
                                            <li><a href="/admin/users">"Users"</a></li>
                                            <li><a href="/audit">"Audit log"</a></li>
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
            <p><a href="/docs/api">"REST API"</a></p>
        </footer>
    }
}
