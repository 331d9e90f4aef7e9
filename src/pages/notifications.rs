//! `/notifications`: what happened to your versions, publishers and reviews.

use crate::api::activity::{my_notifications, MarkNotificationsRead};
use crate::components::auth::SignedIn;
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use leptos::prelude::*;
use leptos_meta::Title;

/// The notifications page.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications" />
        <SignedIn next="/notifications" let:_user>
            <List />
        </SignedIn>
    }
}

#[component]
fn List() -> impl IntoView {
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let list = Resource::new(move || mark.version().get(), |_| my_notifications());
    view! {
        <section class="page">
            <h1>"Notifications"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(n) if n.items.is_empty() => view! {
                            <div class="empty-state">
                                <p>"Nothing yet. Reviews of your versions and changes to your publishers will show up here."</p>
                            </div>
                        }.into_any(),
                        Ok(n) => view! {
                            {(n.unread > 0).then(|| view! {
                                <ActionForm action=mark>
                                    <button type="submit" class="button">{format!("Mark all {} as read", n.unread)}</button>
                                </ActionForm>
                            })}
                            <ul class="notifications">
                                {n.items.into_iter().map(|i| view! {
                                    <li class:unread={!i.read}>
                                        {(!i.read).then(|| view! { <span class="badge">"new"</span>" " })}
                                        {match i.link.clone() {
                                            Some(link) => view! { <a href=link>{i.message.clone()}</a> }.into_any(),
                                            None => view! { <span>{i.message.clone()}</span> }.into_any(),
                                        }}
                                        " " <span class="hint"><When ms=i.at /></span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
