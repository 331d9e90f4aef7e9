//! Who is signed in, refreshed after sign-in and sign-out.
//!
//! Each boundary that shows the user reads a resource of its own ([`Auth::user`]): one resource
//! read under several `<Suspense>` boundaries of a page can leave a server-rendered response
//! waiting forever (leptos-rs/leptos#4851), so no resource here is shared between boundaries.

use crate::api::auth::get_current_user;
use crate::error::AppError;
use crate::model::account::CurrentUser;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The counter that refreshes every view of the signed-in user.
#[derive(Clone, Copy)]
pub struct Auth {
    changed: RwSignal<u64>,
}

impl Auth {
    /// A new resource of the signed-in user (`Ok(None)` for visitors), loaded again whenever the
    /// session changes. Read it under one `<Suspense>`/`<Transition>` only.
    pub fn user(&self) -> Resource<Result<Option<CurrentUser>, AppError>> {
        let changed = self.changed;
        Resource::new(move || changed.get(), |_| get_current_user())
    }

    /// Marks the session as changed, so the user is loaded again.
    pub fn changed(&self) {
        self.changed.update(|n| *n += 1);
    }
}

/// Provides [`Auth`] to the app.
pub fn provide_auth() {
    provide_context(Auth {
        changed: RwSignal::new(0u64),
    });
}

/// The [`Auth`] of the app.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Refreshes the signed-in user whenever `action` succeeds.
pub fn refresh_user_after<S>(action: ServerAction<S>)
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let auth = use_auth();
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            auth.changed();
        }
    });
}

/// Renders `children` for a signed-in user; sends visitors to sign in and back to `next`.
#[component]
pub fn SignedIn<F, V>(
    /// Where to come back to after signing in.
    #[prop(into)]
    next: String,
    /// The content, given the user.
    children: F,
) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let user = use_auth().user();
    let children = std::sync::Arc::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                let next = next.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => children(user).into_any(),
                        Ok(None) => {
                            let path = format!("/signin?next={next}");
                            view! { <leptos_router::components::Redirect path=path /> }.into_any()
                        }
                        Err(e) => view! { <crate::components::status::ErrorNotice error=e /> }
                            .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Renders `children` for marketplace admins; others get a 403 page.
#[component]
pub fn AdminOnly<F, V>(
    /// Where to come back to after signing in.
    next: &'static str,
    /// The content, given the admin.
    children: F,
) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = std::sync::Arc::new(children);
    view! {
        <SignedIn next=next let:user>
            {if user.is_admin {
                children(user).into_any()
            } else {
                view! {
                    <crate::components::status::ErrorNotice error=AppError::Forbidden(
                        "This page is for marketplace admins.".into(),
                    ) />
                }
                    .into_any()
            }}
        </SignedIn>
    }
}
