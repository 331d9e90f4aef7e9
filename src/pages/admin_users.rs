//! `/admin/users`: marketplace admins see every account and grant or withdraw the admin role.

use crate::api::admin::{list_users, SetUserAdmin};
use crate::components::auth::AdminOnly;
use crate::components::form::FormMessage;
use crate::components::status::ErrorNotice;
use crate::model::account::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;

/// The users page (marketplace admins only).
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <AdminOnly next="/admin/users" let:me>
            <Users me />
        </AdminOnly>
    }
}

#[component]
fn Users(me: CurrentUser) -> impl IntoView {
    let set_admin = ServerAction::<SetUserAdmin>::new();
    let users = Resource::new(move || set_admin.version().get(), |_| list_users());
    let me_id = me.id.clone();
    view! {
        <section class="page">
            <h1>"Users"</h1>
            <FormMessage action=set_admin />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {
                    let me_id = me_id.clone();
                    move || {
                        let me_id = me_id.clone();
                        Suspend::new(async move {
                            match users.await {
                                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                                Ok(list) => view! {
                                    <table class="table">
                                        <caption class="visually-hidden">"All accounts"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Name"</th>
                                                <th scope="col">"Email"</th>
                                                <th scope="col">"Role"</th>
                                                <th scope="col">"Action"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list.into_iter().map(|u| {
                                                let is_me = u.id == me_id;
                                                // The accessible name starts with the visible text.
                                                let label = if u.is_admin {
                                                    format!("Remove admin: {}", u.display_name)
                                                } else {
                                                    format!("Make admin: {}", u.display_name)
                                                };
                                                view! {
                                                    <tr>
                                                        <td>{u.display_name.clone()}</td>
                                                        <td>{u.email.clone()}</td>
                                                        <td>{if u.is_admin { "Admin" } else { "User" }}</td>
                                                        <td>
                                                            {(!is_me).then(|| view! {
                                                                <ActionForm action=set_admin>
                                                                    <input type="hidden" name="user_id" value=u.id.clone() />
                                                                    <input type="hidden" name="admin" value=(!u.is_admin).to_string() />
                                                                    <button type="submit" class="button small" aria-label=label>
                                                                        {if u.is_admin { "Remove admin" } else { "Make admin" }}
                                                                    </button>
                                                                </ActionForm>
                                                            })}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any(),
                            }
                        })
                    }
                }
            </Transition>
        </section>
    }
}
