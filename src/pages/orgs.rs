//! `/orgs`: the organizations the user belongs to, and a form to create one.

use crate::api::auth::kept_input;
use crate::api::orgs::{my_organizations, CreateOrganization};
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use leptos::prelude::*;
use leptos_meta::Title;

/// The user's organizations.
#[component]
pub fn OrgsPage() -> impl IntoView {
    let create = ServerAction::<CreateOrganization>::new();
    let orgs = Resource::new(move || create.version().get(), |_| my_organizations());
    // Taken once, here: what a plain form post typed before its error.
    let kept = Resource::new(|| (), |_| kept_input("create_organization".into()));
    view! {
        <Title text="Organizations" />
        <section class="page">
            <h1>"Organizations"</h1>
            <p>
                "Organizations install extensions into their projects. Admins configure them "
                "and manage their secrets; members see what is installed."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let kept = kept.await.unwrap_or_default();
                    match orgs.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) => view! {
                            {if list.is_empty() {
                                view! {
                                    <div class="empty-state">
                                        <p>"You do not belong to any organization yet. Create one below, or ask an admin of yours to add you."</p>
                                    </div>
                                }.into_any()
                            } else {
                                view! {
                                    <ul class="cards">
                                        {list.into_iter().map(|o| view! {
                                            <li class="card">
                                                <h2 class="card-title"><a href=format!("/orgs/{}", o.slug)>{o.name.clone()}</a></h2>
                                                <p class="hint">
                                                    {format!("{} · {} project{}", o.role.label(), o.projects, if o.projects == 1 { "" } else { "s" })}
                                                </p>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <h2>"Create an organization"</h2>
                            <div class="narrow-form">
                                <ActionForm action=create>
                                    <FormMessage action=create />
                                    <Field form="org" name="name" label="Name" value=kept.get("name").cloned().unwrap_or_default()
                                        error=field_error(create, "name") required=true />
                                    <Field form="org" name="slug" label="Slug" value=kept.get("slug").cloned().unwrap_or_default()
                                        hint="Its address: /orgs/your-slug. Lower-case letters, digits and dashes."
                                        error=field_error(create, "slug") required=true />
                                    <Submit action=create label="Create organization" busy="Creating…" />
                                </ActionForm>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
